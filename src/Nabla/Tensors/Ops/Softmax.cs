using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Softmax and log-softmax over one dimension. The work is done by the fused row kernels of
/// <see cref="SoftmaxKernel"/> over the last dimension; another dimension is first moved to the end
/// (a transposed view made contiguous, both recorded, so gradients flow back through them).
/// </summary>
public sealed partial class Tensor
{
    // y = exp(x − max) / Σ exp(x − max):  dx += y ⊙ (dy − Σ dy·y)
    public Tensor Softmax(int dim) => SoftmaxAlong(dim, "Softmax", log: false);

    // y = x − log Σ exp x:  dx += dy − exp(y) · Σ dy
    public Tensor LogSoftmax(int dim) => SoftmaxAlong(dim, "LogSoftmax", log: true);

    private Tensor SoftmaxAlong(int dim, string op, bool log)
    {
        RequireFloat(op);
        if (Rank == 0) return Reshape(1).SoftmaxAlong(0, op, log).Reshape();
        int d = Shapes.NormalizeDim(dim, Rank, op);
        if (d != Rank - 1) return Transpose(d, Rank - 1).SoftmaxAlong(Rank - 1, op, log).Transpose(d, Rank - 1);

        Tensor x = Contiguous();
        int cols = shape[^1], rows = cols == 0 ? 0 : Count / cols;
        Tensor y = Output(ShapeOf(shape));
        if (cols == 0) return y;
        if (log) SoftmaxKernel.LogForward(x.Span, y.Span, rows, cols);
        else SoftmaxKernel.Forward(x.Span, y.Span, rows, cols);
        return Record(op, y, [x], dy =>
        {
            if (log) SoftmaxKernel.LogBackward(y.Span, dy.Span, x.GradSpan(), rows, cols);
            else SoftmaxKernel.Backward(y.Span, dy.Span, x.GradSpan(), rows, cols);
        });
    }
}
