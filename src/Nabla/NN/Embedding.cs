using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>A lookup table: row i of Weight [count, dim] is the vector of token i. Initialized N(0, 1) as PyTorch's nn.Embedding.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Tensor Weight { get; }

    public Embedding(int count, int dim, Generator? generator = null)
    {
        if (count <= 0 || dim <= 0) throw new ArgumentException($"Embedding: sizes must be positive, got {count} × {dim}");
        Weight = Parameter("weight", Init.Normal(Tensor.Zeros(count, dim), 0f, 1f, generator ?? Generator.Default));
    }

    /// <summary>int32 indices of any shape → indices.Shape + [dim].</summary>
    public override Tensor Forward(Tensor indices) => Weight[indices];
}
