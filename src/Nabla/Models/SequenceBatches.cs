using Nabla.Data;
using Nabla.Tensors;
using Nabla.Training;

namespace Nabla.Models;

/// <summary>
/// makemore.py's examples (<see cref="Words.Sequences"/>) served to a <see cref="Trainer"/>: a training batch
/// is <see cref="BatchSize"/> items drawn uniformly with replacement (makemore's RandomSampler); a validation
/// "batch" is the whole validation set, so every evaluation is the exact loss over it and the best checkpoint
/// is chosen on that.
/// </summary>
public sealed class SequenceBatches
{
    private readonly (Tensor X, Tensor Y) train, val;

    public int BatchSize { get; }

    public SequenceBatches(Words words, WordSplits splits, int blockSize, int batchSize)
    {
        if (batchSize < 1) throw new ArgumentException($"SequenceBatches: batch size must be ≥ 1, got {batchSize}");
        BatchSize = batchSize;
        train = words.Sequences(splits.Train, blockSize);   // X, Y (N, T)
        val = words.Sequences(splits.Val, blockSize);
    }

    /// <summary>The batch function the Trainer calls.</summary>
    public (Tensor Inputs, Tensor Targets) Next(Split split, Generator generator)
    {
        if (split == Split.Val) return val;
        Tensor ix = Tensor.RandInt(0, train.X.Size(0), [BatchSize], generator);  // (B)
        return (train.X[ix], train.Y[ix]);                                       // (B, T) each
    }
}
