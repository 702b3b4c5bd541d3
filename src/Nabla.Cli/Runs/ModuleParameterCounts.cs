using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// How many parameters each top-level module of a checkpointed model holds, from the names and shapes in the
/// checkpoint's header (no weight is read). A checkpoint keeps the model's state dict under <c>model.</c>; the
/// first name part after it is the top-level module (<c>model.transformer.h.0.attn.c_attn.weight</c> counts for
/// <c>transformer</c>, a bare <c>model.weight</c> for the model itself). Buffers are not parameters:
/// BatchNorm's running statistics (<c>running_*</c>, <c>num_batches_tracked</c>) are left out.
/// </summary>
public static class ModuleParameterCounts
{
    public const string ModelPrefix = "model.";

    /// <summary>(module, parameters) in the order the modules first appear in the file, then the total.</summary>
    public static (IReadOnlyList<(string Module, long Parameters)> Modules, long Total) Read(string checkpoint)
    {
        var counts = new List<(string Module, long Parameters)>();
        foreach (var (name, shape) in Safetensors.ReadShapes(checkpoint))
        {
            if (!name.StartsWith(ModelPrefix, StringComparison.Ordinal)) continue;
            string[] parts = name[ModelPrefix.Length..].Split('.');
            if (parts[^1].StartsWith("running_", StringComparison.Ordinal) || parts[^1] == "num_batches_tracked") continue;
            string module = parts.Length > 1 ? parts[0] : "(model)";
            long count = shape.Aggregate(1L, (product, dim) => product * dim);
            int at = counts.FindIndex(c => c.Module == module);
            if (at < 0) counts.Add((module, count));
            else counts[at] = (module, counts[at].Parameters + count);
        }
        return (counts, counts.Sum(c => c.Parameters));
    }
}
