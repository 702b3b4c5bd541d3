using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A makemore.py model that predicts at every position: X [B, T] int32 with T ≤ BlockSize → logits
/// [B, T, Vocab], where the logits at t see X[:, 0..t] only. Checks the input once for every such model; the
/// loss (<see cref="CharModel.Loss"/>) is makemore.py's, cross-entropy at every position whose target is not −1.
/// </summary>
public abstract class SequenceModel(int vocabularySize, int blockSize) : CharModel(vocabularySize, blockSize)
{
    public sealed override bool PredictsEveryPosition => true;

    public sealed override Tensor Forward(Tensor idx)
    {
        if (idx.Rank != 2 || idx.DType != DType.Int32 || idx.Size(1) < 1 || idx.Size(1) > BlockSize)
            throw new ArgumentException(
                $"{GetType().Name}: input {Shapes.Format(idx.Shape)} {idx.DType} must be int32 (B, T) with 1 ≤ T ≤ block size {BlockSize}");
        return Logits(idx);
    }

    /// <summary>The logits (B, T, Vocab) of a checked input (B, T).</summary>
    protected abstract Tensor Logits(Tensor idx);
}
