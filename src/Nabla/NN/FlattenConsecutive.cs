using Nabla.Tensors;

namespace Nabla.NN;

/// <summary>
/// Concatenates every <c>n</c> consecutive vectors of a sequence: (B, T, C) → (B, T/n, C·n), and (B, C·n)
/// when T/n is 1. Stacked between layers it fuses characters two at a time, then pairs of pairs, as the
/// dilated causal convolutions of WaveNet (van den Oord et al. 2016) do; the makemore lecture's layer.
/// </summary>
public sealed class FlattenConsecutive(int n) : Module<Tensor, Tensor>
{
    public int N { get; } = n > 0 ? n : throw new ArgumentException($"FlattenConsecutive: n must be positive, got {n}");

    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 3 || x.Size(1) % N != 0)
            throw new ArgumentException($"FlattenConsecutive({N}): input must be (B, T, C) with T divisible by {N}, got {Shapes.Format(x.Shape)}");
        int b = x.Size(0), t = x.Size(1), c = x.Size(2);
        Tensor y = x.Reshape(b, t / N, c * N);      // consecutive rows are adjacent in memory: a view
        return t / N == 1 ? y.Squeeze(1) : y;
    }
}
