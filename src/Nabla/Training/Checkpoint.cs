using System.Globalization;
using Nabla.IO;
using Nabla.NN;
using Nabla.Optim;
using Nabla.Tensors;

namespace Nabla.Training;

/// <summary>Where a run stands: completed steps, the best validation loss so far, and both random streams.</summary>
/// <summary>
/// Where a run stood: the step, the best validation loss, and the state of every generator training draws from
/// (the data's, <see cref="Generator.Default"/>, and the model's own, such as its dropout layers' generators,
/// in the order <see cref="Trainer"/> finds them), so that a resumed run draws what the uninterrupted one would.
/// </summary>
public sealed record TrainingState(int Step, float BestValLoss, GeneratorState DataGenerator, GeneratorState DefaultGenerator,
    IReadOnlyList<GeneratorState> ModelGenerators);

/// <summary>
/// A checkpoint is one safetensors file: the model's state dict under <c>model.</c>, the optimizer's under
/// <c>optimizer.</c>, and in the metadata the step, the best validation loss, the two generators' states and
/// the model's kind. Everything a resumed run needs to continue as if it had never stopped. Saved atomically,
/// so a process killed while saving leaves the previous checkpoint whole.
/// </summary>
public static class Checkpoint
{
    private const string Format = "nabla-checkpoint-1";

    public static void Save(string path, string modelKind, Module model, Optimizer? optimizer, TrainingState state)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, tensor) in model.StateDict()) tensors["model." + name] = tensor;
        if (optimizer is not null)
            foreach (var (name, tensor) in optimizer.StateDict()) tensors["optimizer." + name] = tensor;
        var metadata = new Dictionary<string, string>
        {
            ["format"] = Format,
            ["model_kind"] = modelKind,
            ["step"] = state.Step.ToString(CultureInfo.InvariantCulture),
            ["best_val_loss"] = state.BestValLoss.ToString("R", CultureInfo.InvariantCulture),
            ["generator.data"] = state.DataGenerator.ToString(),
            ["generator.default"] = state.DefaultGenerator.ToString(),
        };
        for (int i = 0; i < state.ModelGenerators.Count; i++) metadata[$"generator.model.{i}"] = state.ModelGenerators[i].ToString();
        Safetensors.Save(path, tensors, metadata);
    }

    private static List<GeneratorState> ModelGenerators(SafetensorsFile file)
    {
        var states = new List<GeneratorState>();
        while (file.Metadata.TryGetValue($"generator.model.{states.Count}", out string? text)) states.Add(GeneratorState.Parse(text));
        return states;
    }

    /// <summary>The model's kind as saved (to refuse a checkpoint of another model before loading it).</summary>
    public static string ReadModelKind(string path) => Metadata(Safetensors.Load(path), path, "model_kind");

    /// <summary>Loads the model's weights only (for sampling or evaluation).</summary>
    public static void LoadModel(string path, string modelKind, Module model) => Load(path, modelKind, model, optimizer: null);

    /// <summary>Restores model and optimizer and returns where the run stood. Errors name the file.</summary>
    public static TrainingState Load(string path, string modelKind, Module model, Optimizer? optimizer)
    {
        SafetensorsFile file = Safetensors.Load(path);
        if (!file.Metadata.TryGetValue("format", out string? format) || format != Format)
            throw new InvalidDataException($"{path}: not a Nabla training checkpoint (metadata 'format' is '{format ?? "missing"}', expected '{Format}')");
        string kind = Metadata(file, path, "model_kind");
        if (kind != modelKind)
            throw new InvalidDataException($"{path}: a checkpoint of a '{kind}' model, not '{modelKind}'");
        try
        {
            model.LoadStateDict(Section(file, "model."));
            optimizer?.LoadStateDict(Section(file, "optimizer."));
            return new TrainingState(
                int.Parse(Metadata(file, path, "step"), NumberStyles.None, CultureInfo.InvariantCulture),
                float.Parse(Metadata(file, path, "best_val_loss"), NumberStyles.Float, CultureInfo.InvariantCulture),
                GeneratorState.Parse(Metadata(file, path, "generator.data")),
                GeneratorState.Parse(Metadata(file, path, "generator.default")),
                ModelGenerators(file));
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or OverflowException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static Dictionary<string, Tensor> Section(SafetensorsFile file, string prefix) =>
        file.Tensors.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[prefix.Length..], t => t.Value);

    private static string Metadata(SafetensorsFile file, string path, string key) =>
        file.Metadata.TryGetValue(key, out string? value) ? value : throw new InvalidDataException($"{path}: metadata has no '{key}'");
}
