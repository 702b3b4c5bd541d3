using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Runs the span kernels of <see cref="Elementwise"/> over tensors of any layout, through the one walk
/// (<see cref="StridedRows.ForEach"/>): same-shape contiguous operands are one call on one span; otherwise
/// each row goes to the kernel as a span, or as a scalar for an operand broadcast along the row. Only rows
/// with strided elements fall back to a scalar loop.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>op(x) elementwise, into a new tensor.</summary>
    internal static Tensor UnaryElementwise<TOp>(Tensor x, string op, TOp kernel) where TOp : struct, IUnaryOperator
    {
        x.RequireFloat(op);
        Tensor y = Output(ShapeOf(x.shape));
        StridedRows.ForEach(new UnaryRows<TOp>(y.data, x.data, kernel), y, x);
        return y;
    }

    /// <summary>op(a, b) elementwise with broadcasting, into a new tensor.</summary>
    internal static Tensor BinaryElementwise<TOp>(Tensor a, Tensor b, string op, TOp kernel) where TOp : struct, IBinaryOperator
    {
        a.RequireFloat(op);
        b.RequireFloat(op);
        Tensor y = Output(Shapes.Broadcast(a.shape, b.shape, op));
        BinaryElementwiseInto(a, b, y, kernel);
        return y;
    }

    /// <summary>destination = op(a, b) elementwise, where a and b broadcast to destination's shape.</summary>
    internal static void BinaryElementwiseInto<TOp>(Tensor a, Tensor b, Tensor destination, TOp kernel) where TOp : struct, IBinaryOperator =>
        StridedRows.ForEach(new BinaryRows<TOp>(destination.data, a.data, b.data, kernel), destination, a, b);

    /// <summary>
    /// input.grad += op(dy, other), with <paramref name="other"/> broadcast to dy's shape and the result
    /// summed over the dimensions along which <paramref name="input"/> was broadcast. The common case
    /// (nothing broadcast, all contiguous) is one fused kernel call straight into the gradient.
    /// </summary>
    internal static void AccumulateGrad<TOp>(Tensor input, Tensor dy, Tensor other, TOp kernel) where TOp : struct, IBinaryOperator
    {
        if (Shapes.SameShape(input.shape, dy.shape) && Shapes.SameShape(other.shape, dy.shape) && other.IsContiguous)
        {
            Elementwise.BinaryAccumulate(dy.Span, other.Span, input.GradSpan(), kernel);
            return;
        }
        Tensor contribution = RentScratch(ShapeOf(dy.shape));
        BinaryElementwiseInto(dy, other, contribution, kernel);
        AccumulateGrad(input, contribution);
        ReturnScratch(contribution);
    }

    // Operand 0 of every row is the output.

    private readonly struct UnaryRows<TOp>(float[] y, float[] x, TOp kernel) : IRowAction where TOp : struct, IUnaryOperator
    {
        public void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides)
        {
            int oy = offsets[0], ox = offsets[1], sy = strides[0], sx = strides[1];
            if (sy == 1 && sx == 1) Elementwise.Unary(x.AsSpan(ox, n), y.AsSpan(oy, n), kernel);
            else for (int i = 0; i < n; i++) y[oy + i * sy] = kernel.Invoke(x[ox + i * sx]);
        }
    }

    private readonly struct BinaryRows<TOp>(float[] z, float[] x, float[] y, TOp kernel) : IRowAction where TOp : struct, IBinaryOperator
    {
        public void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides)
        {
            int oz = offsets[0], ox = offsets[1], oy = offsets[2];
            int sz = strides[0], sx = strides[1], sy = strides[2];
            if (sz != 1) for (int i = 0; i < n; i++) z[oz + i * sz] = kernel.Invoke(x[ox + i * sx], y[oy + i * sy]);
            else if (sx == 1 && sy == 1) Elementwise.Binary(x.AsSpan(ox, n), y.AsSpan(oy, n), z.AsSpan(oz, n), kernel);
            else if (sx == 1 && sy == 0) Elementwise.Binary(x.AsSpan(ox, n), y[oy], z.AsSpan(oz, n), kernel);
            else if (sx == 0 && sy == 1) Elementwise.Binary(x[ox], y.AsSpan(oy, n), z.AsSpan(oz, n), kernel);
            else for (int i = 0; i < n; i++) z[oz + i] = kernel.Invoke(x[ox + i * sx], y[oy + i * sy]);
        }
    }
}
