using Nabla.Data;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Models;

/// <summary>
/// The examples a makemore model trains on, cut from a split of the items in the form its model reads:
/// fixed contexts (X [N, block], Y [N]) for the lectures' models, whole sequences (X [N, T], Y [N, T] with −1
/// after the stop token) for makemore.py's. Draws random batches for training and computes the exact loss over
/// a whole split for evaluation.
/// </summary>
public sealed class MakemoreData
{
    private readonly Dictionary<Split, (Tensor X, Tensor Y)> examples = [];

    public Words Words { get; }
    public WordSplits Splits { get; }
    public int BatchSize { get; }

    public MakemoreData(Words words, WordSplits splits, CharModel model, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentException($"MakemoreData: batch size must be ≥ 1, got {batchSize}");
        Words = words;
        Splits = splits;
        BatchSize = batchSize;
        foreach (var (split, items) in new[] { (Split.Train, splits.Train), (Split.Val, splits.Val) })
        {
            if (items.Count == 0) throw new InvalidDataException($"makemore: the {split.ToString().ToLowerInvariant()} split is empty ({words.Items.Count} items in all)");
            examples[split] = model.PredictsEveryPosition ? words.Sequences(items, model.BlockSize) : words.Contexts(items, model.BlockSize);
        }
    }

    /// <summary>The number of examples in a split (contexts, or items for sequence models).</summary>
    public int Count(Split split) => examples[split].X.Size(0);

    /// <summary>BatchSize examples drawn uniformly with replacement (all of them, in order, when BatchSize ≥ Count).</summary>
    public (Tensor X, Tensor Y) Batch(Split split, Generator generator)
    {
        var (x, y) = examples[split];
        int n = x.Size(0);
        if (BatchSize >= n) return (x, y);
        var ix = new int[BatchSize];
        for (int i = 0; i < ix.Length; i++) ix[i] = generator.NextInt(0, n);
        Tensor index = Tensor.FromArray(ix);
        return (x[index], y[index]);
    }

    /// <summary>
    /// The exact mean loss per character over a split's first <paramref name="maxExamples"/> examples (all of them
    /// by default; see <see cref="CharModel.Evaluate"/>). The splits are shuffled, so a prefix is a sample.
    /// </summary>
    public float Evaluate(CharModel model, Split split, int maxExamples = int.MaxValue)
    {
        var (x, y) = examples[split];
        return maxExamples < x.Size(0) ? model.Evaluate(x.Narrow(0, 0, maxExamples), y.Narrow(0, 0, maxExamples)) : model.Evaluate(x, y);
    }
}
