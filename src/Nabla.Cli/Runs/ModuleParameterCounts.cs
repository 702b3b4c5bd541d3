using Nabla.IO;

namespace Nabla.Cli;

/// <summary>
/// How many parameters each top-level module of a checkpointed model holds, from the names and shapes in the
/// checkpoint's header (no weight is read). A checkpoint keeps the model's state dict under <c>model.</c>; the
/// first name part after it is the top-level module (<c>model.transformer.h.0.attn.c_attn.weight</c> counts for
/// <c>transformer</c>, a bare <c>model.weight</c> for the model itself). Buffers are not parameters, and a
/// checkpoint does not mark them, so the buffers Nabla's models register are left out by name: BatchNorm's
/// running statistics (<c>running_mean</c>, <c>running_var</c>, and PyTorch's <c>num_batches_tracked</c>) and the
/// counting bigram's table (<c>counts</c>).
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
            if (parts[^1] is "running_mean" or "running_var" or "num_batches_tracked" or "counts") continue;
            string module = parts.Length > 1 ? parts[0] : "(model)";
            long count = shape.Aggregate(1L, (product, dim) => product * dim);
            int at = counts.FindIndex(c => c.Module == module);
            if (at < 0) counts.Add((module, count));
            else counts[at] = (module, counts[at].Parameters + count);
        }
        return (counts, counts.Sum(c => c.Parameters));
    }
}
