using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Nabla.Training;

/// <summary>
/// Everything a training run leaves behind, in one folder:
/// <code>
/// config.json              every hyper-parameter, the seed and the Nabla version
/// metrics.jsonl            one JSON object per logged step (see <see cref="StepMetrics"/>)
/// samples.txt              what the model generated at each evaluation
/// checkpoints/latest.safetensors, checkpoints/best.safetensors
/// </code>
/// Every file is appended line by line and flushed, or replaced atomically, so a run killed at any moment
/// leaves a folder that can be read and resumed.
/// </summary>
public sealed class RunDirectory
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Path { get; }

    public RunDirectory(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new ArgumentException("RunDirectory: the path is empty");
        if (File.Exists(path)) throw new IOException($"RunDirectory: '{path}' is a file, not a folder");
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
        Directory.CreateDirectory(CheckpointsPath);
    }

    public string ConfigPath => System.IO.Path.Combine(Path, "config.json");
    public string MetricsPath => System.IO.Path.Combine(Path, "metrics.jsonl");
    public string SamplesPath => System.IO.Path.Combine(Path, "samples.txt");
    public string CheckpointsPath => System.IO.Path.Combine(Path, "checkpoints");
    public string LatestCheckpoint => System.IO.Path.Combine(CheckpointsPath, "latest.safetensors");
    public string BestCheckpoint => System.IO.Path.Combine(CheckpointsPath, "best.safetensors");

    /// <summary>Writes config.json from a JSON object of the run's settings, adding the Nabla version.</summary>
    public void WriteConfig(JsonObject config)
    {
        config["nabla_version"] = typeof(RunDirectory).Assembly.GetName().Version?.ToString();
        string text = config.ToJsonString(Json);
        WriteAtomically(ConfigPath, text + "\n");
    }

    /// <summary>The run's config.json, or null when there is none yet.</summary>
    public JsonObject? ReadConfig()
    {
        if (!File.Exists(ConfigPath)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(ConfigPath)) as JsonObject
                ?? throw new InvalidDataException($"{ConfigPath}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{ConfigPath}: not valid JSON ({e.Message})");
        }
    }

    /// <summary>Appends one metrics line (flushed, so a killed process loses at most the line being written).</summary>
    public void AppendMetrics(StepMetrics m)
    {
        var line = new JsonObject
        {
            ["step"] = m.Step,
            ["train_loss"] = Finite(m.TrainLoss),
            ["lr"] = m.LearningRate,
            ["grad_norm"] = Finite(m.GradNorm),
            ["tokens_per_second"] = Math.Round(m.TokensPerSecond, 1),
            ["elapsed_seconds"] = Math.Round(m.ElapsedSeconds, 3),
        };
        if (m.ValLoss is float val) line["val_loss"] = Finite(val);
        if (m.EvalTrainLoss is float evalTrain) line["eval_train_loss"] = Finite(evalTrain);
        AppendLine(MetricsPath, line.ToJsonString());
    }

    /// <summary>Appends what the model generated after <paramref name="step"/> steps.</summary>
    public void AppendSample(int step, string sample) =>
        AppendLine(SamplesPath, $"--- step {step.ToString(CultureInfo.InvariantCulture)} ---\n{sample.TrimEnd('\n')}");

    /// <summary>
    /// Drops metrics lines of steps after <paramref name="step"/>: what a run killed after its last checkpoint
    /// logged is redone on resume, and must not appear twice.
    /// </summary>
    public void TruncateMetricsAfter(int step)
    {
        if (!File.Exists(MetricsPath)) return;
        var kept = File.ReadLines(MetricsPath).Where(line => StepOf(line) is int s && s <= step).ToList();
        WriteAtomically(MetricsPath, kept.Count == 0 ? "" : string.Join("\n", kept) + "\n");
    }

    /// <summary>Every metrics line, parsed (for plots and reports).</summary>
    public IReadOnlyList<JsonObject> ReadMetrics()
    {
        if (!File.Exists(MetricsPath)) return [];
        var lines = new List<JsonObject>();
        int number = 0;
        foreach (string line in File.ReadLines(MetricsPath))
        {
            number++;
            if (line.Length == 0) continue;
            try { lines.Add(JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{MetricsPath}:{number}: not a JSON object")); }
            catch (JsonException) { throw new InvalidDataException($"{MetricsPath}:{number}: not valid JSON"); }
        }
        return lines;
    }

    private static int? StepOf(string line)
    {
        try { return JsonNode.Parse(line)?["step"]?.GetValue<int>(); }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException) { return null; }
    }

    // JSON has no NaN or infinity; a diverged loss is written as null.
    private static JsonNode? Finite(float value) => float.IsFinite(value) ? JsonValue.Create(value) : null;

    private static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        using var writer = new StreamWriter(stream);
        writer.Write(line);
        writer.Write('\n');
        writer.Flush();
    }

    private static void WriteAtomically(string path, string text)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
