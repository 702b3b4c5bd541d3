using Nabla.Tensors;

namespace Nabla.Models;

/// <summary>
/// A model whose numbers are counted from the data rather than trained by gradient descent (the counting
/// bigram of makemore's first lecture). It has no parameters for an optimizer: one call to <see cref="Fit"/>
/// over the training examples is its whole training.
/// </summary>
public interface ICountingModel
{
    /// <summary>
    /// Counts every example: <paramref name="contexts"/> [N, BlockSize] int32 (as <c>Words.Contexts</c> builds
    /// them with the model's block size) and <paramref name="targets"/> [N] int32, the token that followed.
    /// Replaces whatever was counted before.
    /// </summary>
    void Fit(Tensor contexts, Tensor targets);
}
