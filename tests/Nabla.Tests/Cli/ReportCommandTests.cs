using Nabla.Cli;

namespace Nabla.Tests.Cli;

public class ReportCommandTests
{
    [Fact]
    public void ReportIsOnePageThatLoadsNothingAndEncodesTheRunsText()
    {
        using var run = new RunFixture();
        var result = CliHarness.Run("report", run.Path);
        Assert.Equal(0, result.ExitCode);
        string path = Path.Combine(run.Path, "report.html");
        Assert.Equal(path, result.Stdout.Trim());
        string html = File.ReadAllText(path);

        // Self-contained: no script, no external stylesheet, image or font; the only URLs are SVG's namespaces.
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("src=", html);
        Assert.DoesNotContain("@import", html);
        string withoutNamespaces = html.Replace("http://www.w3.org/2000/svg", "").Replace("http://www.w3.org/1999/xlink", "");
        Assert.DoesNotContain("http:", withoutNamespaces);
        Assert.DoesNotContain("https:", withoutNamespaces);

        // Everything from the run is encoded: the sample, the config's values and the model type in the title.
        Assert.Contains("&lt;script&gt;alert(&#39;run&#39;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", html);
        Assert.Contains("a &amp; b &lt; c", html);
        Assert.Contains("<title>Nabla run: makemore mlp &lt;test&gt;</title>", html);

        foreach (string chart in new[] { "loss", "lr", "throughput", "embedding" })
            Assert.Contains($"<figure id=\"chart-{chart}\" class=\"chart\"><svg viewBox=", html);
        Assert.Equal(4, html.Split("<svg viewBox=").Length - 1);
        Assert.DoesNotContain("<?xml", html);

        var (embedding, head) = RunFixture.ParameterCounts();
        Assert.Contains($"<tr><th>wte</th><td>{embedding}</td></tr>", html);
        Assert.Contains($"<tr><th>lm_head</th><td>{head}</td></tr>", html);
        Assert.Contains($"<tr><th>total</th><td>{embedding + head}</td></tr>", html);
        Assert.Contains($"<tr><th>kernels</th><td>{MachineInfo.KernelPath}", html);
        Assert.Contains($"<tr><th>threads</th><td>{MachineInfo.Threads}</td></tr>", html);
        for (int step = RunFixture.EvalInterval; step <= RunFixture.Steps; step += RunFixture.EvalInterval)
            Assert.Contains($"<h3>step {step}</h3>", html);
    }

    [Fact]
    public void ARunWithoutMetricsStillGetsAReport()
    {
        using var run = new RunFixture();
        File.Delete(run.Run.MetricsPath);
        var result = CliHarness.Run("report", run.Path);
        Assert.Equal(0, result.ExitCode);
        string html = File.ReadAllText(Path.Combine(run.Path, "report.html"));
        Assert.Contains("No metrics.jsonl", html);
        Assert.DoesNotContain("chart-loss", html);
        Assert.Contains("chart-embedding", html);
        Assert.Contains("<h3>step 10</h3>", html);

        var plot = CliHarness.Run("plot", run.Path);
        Assert.Equal(1, plot.ExitCode);
        Assert.Contains("metrics.jsonl: no metrics to plot", plot.Stderr);
    }

    [Fact]
    public void ClipPathIdsAreUniqueAcrossTheCharts()
    {
        using var run = new RunFixture();
        string html = File.ReadAllText(RunReport.Write(run.Run));
        var ids = System.Text.RegularExpressions.Regex.Matches(html, "id=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.True(ids.Count > 4);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        foreach (var reference in System.Text.RegularExpressions.Regex.Matches(html, @"url\(#([^)]+)\)").Select(m => m.Groups[1].Value))
            Assert.Contains(reference, ids);
    }

    [SkippableFact]
    public void AHeadlessBrowserShowsTheChartsAndTheSamples()
    {
        string chromium = HeadlessChromium.Require();
        using var run = new RunFixture();
        string report = RunReport.Write(run.Run);

        string dom = HeadlessChromium.Run(chromium, report, "--dump-dom");
        Assert.Contains("<figure id=\"chart-loss\" class=\"chart\"><svg", dom);
        Assert.Contains("<figure id=\"chart-embedding\" class=\"chart\"><svg", dom);
        Assert.Contains("sample of step 10", dom);
        // The browser parsed the hostile sample as text: no element was made of it.
        Assert.Contains("&lt;script&gt;alert('run')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;", dom);
        Assert.DoesNotContain("<script", dom);
        Assert.DoesNotContain("<b>bold", dom);

        string screenshot = Path.Combine(run.Path, "report.png");
        HeadlessChromium.Run(chromium, report, $"--screenshot={screenshot}", "--window-size=1200,1600", "--hide-scrollbars");
        var png = PngCheck.Read(screenshot);
        Assert.Equal((1200, 1600), (png.Width, png.Height));
        png.AssertDrawn("the report's screenshot");
    }
}
