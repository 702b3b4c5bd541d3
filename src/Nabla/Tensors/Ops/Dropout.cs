namespace Nabla.Tensors;

/// <summary>
/// Dropout (Srivastava et al. 2014), "inverted" as in PyTorch: in training each element is zeroed with
/// probability p and the survivors are scaled by 1/(1 − p), so the expected value is unchanged and
/// evaluation needs no rescaling. In evaluation (or with p = 0) it is the identity.
/// </summary>
public sealed partial class Tensor
{
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
        float keep = p == 1f ? 0f : 1f / (1f - p);
        Span<float> m = mask.Span;
        for (int i = 0; i < m.Length; i++) m[i] = g.NextFloat() < p ? 0f : keep;
        Tensor y = Output(ShapeOf(shape));
        System.Numerics.Tensors.TensorPrimitives.Multiply(x.Span, m, y.Span);
        return Record(op, y, [x], dy =>
        {
            // dx += dy ⊙ mask
            Span<float> grad = x.GradSpan();
            System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(dy.Span, mask.Span, grad, grad);
        });
    }
}
