using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Nabla.Training;
using ScottPlot;

namespace Nabla.Cli;

/// <summary>
/// One self-contained HTML page about a training run, report.html in its folder: the config, the loss, learning
/// rate and throughput curves (inline SVG), the samples, the parameters per top-level module, and the machine.
/// It loads nothing from anywhere (no script, no font, no stylesheet outside it), so it opens offline and can be
/// mailed as one file. Every text that comes from the run is HTML-encoded.
/// </summary>
public static partial class RunReport
{
    /// <summary>Samples shown: the last evaluations' (a long run evaluates hundreds of times).</summary>
    public const int MaxSampleSections = 50;

    public static string Write(RunDirectory run)
    {
        RunMetrics metrics = RunMetrics.Read(run);
        JsonObject config = run.ReadConfig() ?? [];
        var html = new StringBuilder();
        string title = $"Nabla run: {Text(config, "job") ?? "training"}{(Text(config, "type") is string t ? " " + t : "")}";
        html.Append($"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Encode(title)}</title>
            <style>{Style}</style>
            </head><body>
            <h1>{Encode(title)}</h1>
            <p class="path">{Encode(run.Path)}</p>

            """);
        Section(html, "Config", Table(config.Select(p => (p.Key, ConfigValue(p.Value)))));
        if (metrics.LineCount == 0)
            Section(html, "Metrics", "<p class=\"note\">No metrics.jsonl (a model trained by counting logs none).</p>");
        else
        {
            html.Append("<h2>Loss</h2>\n").Append(Chart(RunPlots.Loss(metrics, logY: false), "loss"));
            html.Append("<h2>Learning rate</h2>\n").Append(Chart(RunPlots.LearningRate(metrics), "lr"));
            html.Append("<h2>Throughput</h2>\n").Append(Chart(RunPlots.Throughput(metrics), "throughput"));
        }
        if (RunEmbedding.TryRead(run) is RunEmbedding embedding)
            html.Append("<h2>Character embedding</h2>\n").Append(Chart(RunPlots.Embedding(embedding), "embedding"));
        Section(html, "Samples", Samples(run));
        Section(html, "Parameters", Parameters(run));
        Section(html, "Environment", "<p class=\"note\">The machine that wrote this report.</p>\n" + Table(MachineInfo.Rows()));
        html.Append("</body></html>\n");

        string path = Path.Combine(run.Path, "report.html");
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, html.ToString(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>The plot as inline SVG. The XML declaration is dropped (HTML has none inside a page), the clip-path
    /// ids are prefixed with the chart's so that ids stay unique with several charts in one page, and a viewBox
    /// lets the page scale the chart to a narrow window instead of cropping it.</summary>
    private static string Chart(Plot plot, string id)
    {
        string svg = plot.GetSvgXml(RunPlots.Width, RunPlots.Height);
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        svg = svg[Math.Max(0, start)..].Replace("id=\"", $"id=\"{id}-").Replace("url(#", $"url(#{id}-");
        svg = svg.Replace("<svg ", $"<svg viewBox=\"0 0 {RunPlots.Width} {RunPlots.Height}\" ", StringComparison.Ordinal);
        return $"<figure id=\"chart-{id}\" class=\"chart\">{svg}</figure>\n";
    }

    private static string Samples(RunDirectory run)
    {
        if (!File.Exists(run.SamplesPath)) return "<p class=\"note\">No samples.txt in this run.</p>";
        var sections = new List<(string Step, StringBuilder Text)>();
        foreach (string line in File.ReadLines(run.SamplesPath))
        {
            Match header = SampleHeader().Match(line);
            if (header.Success) sections.Add((header.Groups[1].Value, new StringBuilder()));
            else if (sections.Count == 0) sections.Add(("?", new StringBuilder().AppendLine(line)));
            else sections[^1].Text.AppendLine(line);
        }
        var html = new StringBuilder();
        if (sections.Count > MaxSampleSections)
            html.Append($"<p class=\"note\">The last {MaxSampleSections} of {sections.Count} evaluations.</p>\n");
        foreach (var (step, text) in sections.TakeLast(MaxSampleSections))
            html.Append($"<h3>step {Encode(step)}</h3>\n<pre class=\"sample\">{Encode(text.ToString().TrimEnd('\n'))}</pre>\n");
        return html.ToString();
    }

    private static string Parameters(RunDirectory run)
    {
        string checkpoint = File.Exists(run.BestCheckpoint) ? run.BestCheckpoint : run.LatestCheckpoint;
        if (!File.Exists(checkpoint)) return "<p class=\"note\">No checkpoint yet.</p>";
        var (modules, total) = ModuleParameterCounts.Read(checkpoint);
        var rows = modules.Select(m => (m.Module, m.Parameters.ToString("N0", CultureInfo.InvariantCulture))).ToList();
        rows.Add(("total", total.ToString("N0", CultureInfo.InvariantCulture)));
        return $"<p class=\"note\">From {Encode(Path.GetFileName(checkpoint))}, per top-level module.</p>\n" + Table(rows);
    }

    private static void Section(StringBuilder html, string heading, string body) =>
        html.Append($"<h2>{heading}</h2>\n{body}\n");

    private static string Table(IEnumerable<(string Key, string Value)> rows)
    {
        var html = new StringBuilder("<table>\n");
        foreach (var (key, value) in rows) html.Append($"<tr><th>{Encode(key)}</th><td>{Encode(value)}</td></tr>\n");
        return html.Append("</table>").ToString();
    }

    // A string is shown as it is; a number, list or null as its JSON.
    private static string ConfigValue(JsonNode? value) =>
        value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "null";

    private static string? Text(JsonObject config, string key) =>
        config[key] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex(@"^--- step (\d+) ---$")]
    private static partial Regex SampleHeader();

    private const string Style = """
        body { font-family: system-ui, sans-serif; max-width: 960px; margin: 2em auto; padding: 0 1em; color: #222; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 1.6em; }
        .path, .note { color: #666; }
        table { border-collapse: collapse; } th, td { text-align: left; padding: .2em .8em; border-bottom: 1px solid #eee; }
        th { font-weight: 600; } td { font-family: ui-monospace, monospace; }
        .chart svg { max-width: 100%; height: auto; }
        pre.sample { background: #f6f6f6; padding: .6em; white-space: pre-wrap; }
        """;
}
