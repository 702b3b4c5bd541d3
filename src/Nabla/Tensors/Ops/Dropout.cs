using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Dropout (Srivastava et al. 2014), "inverted" as in PyTorch: in training each element is zeroed with
/// probability p and the survivors are scaled by 1/(1 − p), so the expected value is unchanged and
/// evaluation needs no rescaling. In evaluation (or with p = 0) it is the identity.
/// </summary>
public sealed partial class Tensor
{
    private const int MaskChunk = 4096;

    /// <summary>The draws come from <paramref name="generator"/> (default: <see cref="Generator.Default"/>):
    /// the same seed gives the same mask.</summary>
    public Tensor Dropout(float p, bool training, Generator? generator = null)
    {
        const string op = "Dropout";
        RequireFloat(op);
        if (!(p >= 0f && p <= 1f)) throw new ArgumentException($"{op}: probability must be in [0, 1], got {p}");
        if (!training || p == 0f) return this;

        Generator g = generator ?? Generator.Default;
        Tensor x = Contiguous();
        Tensor mask = Output(ShapeOf(shape));   // 0 or 1/(1 − p): forward and backward multiply by it
        Tensor y = Output(ShapeOf(shape));
        Span<float> m = mask.Span, ys = y.Span;
        ReadOnlySpan<float> xs = x.Span;
        // One draw u per element, in order; dropped where u < p. Chunks keep the draws in cache for the pass after.
        for (int start = 0; start < m.Length; start += MaskChunk)
        {
            int n = Math.Min(MaskChunk, m.Length - start);
            g.NextFloats(m.Slice(start, n));
            DropoutKernel.MaskInPlace(m.Slice(start, n), p);
            System.Numerics.Tensors.TensorPrimitives.Multiply(xs.Slice(start, n), m.Slice(start, n), ys.Slice(start, n));
        }
        return Record(op, y, [x], dy =>
        {
            // dx += dy ⊙ mask
            Span<float> grad = x.GradSpan();
            System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(dy.Span, mask.Span, grad, grad);
        });
    }
}
