using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Layer normalization over the last dimension (Ba, Kiros, Hinton 2016), as
/// torch.nn.functional.layer_norm(x, [C], weight, bias, eps): y = (x − mean) / √(var + eps) · weight + bias,
/// with the biased variance. One fused kernel forward (saving each row's mean and 1/std) and one backward
/// that fills dx, dweight and dbias together.
/// </summary>
public sealed partial class Tensor
{
    /// <summary><paramref name="weight"/> and <paramref name="bias"/> are [C] (C = the last dimension) or null (1 and 0).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, float eps = 1e-5f)
    {
        const string op = "LayerNorm";
        x.RequireFloat(op);
        if (x.Rank == 0) throw new ArgumentException($"{op}: needs at least one dimension, got a scalar");
        int cols = x.shape[^1], rows = cols == 0 ? 0 : x.Count / cols;
        foreach (var (name, p) in new[] { ("weight", weight), ("bias", bias) })
        {
            if (p is null) continue;
            p.RequireFloat(op);
            if (p.Rank != 1 || p.shape[0] != cols)
                throw new ArgumentException($"{op}: {name} {Shapes.Format(p.shape)} must be [{cols}] to match input {Shapes.Format(x.shape)}");
        }
        if (!(eps >= 0f)) throw new ArgumentException($"{op}: eps must be ≥ 0, got {eps}");

        Tensor input = x.Contiguous();
        Tensor w = weight?.Contiguous() ?? Full(1f, cols);
        Tensor b = bias?.Contiguous() ?? Zeros(cols);
        Tensor y = Output(ShapeOf(x.shape));
        Tensor mean = Output([rows]), rstd = Output([rows]);
        LayerNormKernel.Forward(input.Span, w.Span, b.Span, y.Span, mean.Span, rstd.Span, rows, cols, eps);
        return Record(op, y, [input, w, b], dy =>
        {
            // The kernel fills all three gradients at once; one that nobody needs goes to scratch.
            Tensor? dxScratch = input.requiresGrad ? null : RentScratch([rows, cols]);
            Tensor? dwScratch = w.requiresGrad ? null : RentScratch([cols]);
            Tensor? dbScratch = b.requiresGrad ? null : RentScratch([cols]);
            Span<float> dx = dxScratch is null ? input.GradSpan() : dxScratch.Span;
            Span<float> dw = dwScratch is null ? w.GradSpan() : dwScratch.Span;
            Span<float> db = dbScratch is null ? b.GradSpan() : dbScratch.Span;
            LayerNormKernel.Backward(dy.Span, input.Span, w.Span, mean.Span, rstd.Span, dx, dw, db, rows, cols);
            foreach (Tensor? s in new[] { dxScratch, dwScratch, dbScratch }) if (s is not null) ReturnScratch(s);
        });
    }
}
