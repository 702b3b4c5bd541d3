using System.Text.Json.Nodes;
using Nabla.Training;

namespace Nabla.Cli;

/// <summary>One curve: the points of a metrics field against another (step or time), in file order.</summary>
public sealed record Series(string Name, double[] X, double[] Y)
{
    public int Count => X.Length;
}

/// <summary>
/// A run's metrics.jsonl read as columns, for plots and reports. A line without a field (validation loss is only
/// on evaluation steps) or with null there (a diverged loss) contributes no point to that field's curve.
/// </summary>
public sealed class RunMetrics
{
    private readonly IReadOnlyList<JsonObject> lines;
    private readonly string source;

    private RunMetrics(IReadOnlyList<JsonObject> lines, string source)
    {
        this.lines = lines;
        this.source = source;
    }

    public static RunMetrics Read(RunDirectory run) => new(run.ReadMetrics(), run.MetricsPath);

    public int LineCount => lines.Count;

    /// <summary>The points (x, y) of every line that holds both fields as finite numbers.</summary>
    public Series Column(string name, string xField, string yField)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (int i = 0; i < lines.Count; i++)
        {
            if (Number(lines[i], xField, i) is double x && Number(lines[i], yField, i) is double y)
            {
                xs.Add(x);
                ys.Add(y);
            }
        }
        return new Series(name, xs.ToArray(), ys.ToArray());
    }

    private double? Number(JsonObject line, string field, int index)
    {
        if (line[field] is not JsonValue value) return null; // absent or null
        if (value.TryGetValue(out double number)) return double.IsFinite(number) ? number : null;
        throw new InvalidDataException($"{source}: record {index + 1}: '{field}' is not a number ({value.ToJsonString()})");
    }
}
