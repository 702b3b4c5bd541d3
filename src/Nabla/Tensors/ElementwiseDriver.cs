using Nabla.Kernels;

namespace Nabla.Tensors;

/// <summary>
/// Runs the span kernels of <see cref="Elementwise"/> over tensors of any layout. Same-shape contiguous
/// operands are one call on one span; broadcast and strided operands are walked row by row
/// (<see cref="StridedRows"/>), each row handed to the kernel as a span, or as a scalar when that
/// operand is broadcast along the row. Only rows with strided elements fall back to a scalar loop.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>op(a, b) with broadcasting, into a new tensor.</summary>
    internal static Tensor Broadcast<TOp>(Tensor a, Tensor b, string op, TOp kernel) where TOp : struct, IBinaryOperator
    {
        a.RequireFloat(op);
        b.RequireFloat(op);
        int[] outShape = Shapes.Broadcast(a.shape, b.shape, op);
        Tensor y = Output(outShape);
        BroadcastInto(a, b, y, kernel);
        return y;
    }

    /// <summary>destination = op(a, b), where a and b broadcast to destination's shape (contiguous).</summary>
    internal static void BroadcastInto<TOp>(Tensor a, Tensor b, Tensor destination, TOp kernel) where TOp : struct, IBinaryOperator
    {
        int[] outShape = destination.shape;
        if (a.IsContiguous && b.IsContiguous && Shapes.SameShape(a.shape, outShape) && Shapes.SameShape(b.shape, outShape))
        {
            Elementwise.Binary(a.Span, b.Span, destination.Span, kernel);
            return;
        }
        var rows = new StridedRows(outShape,
            [Shapes.BroadcastStrides(a.shape, a.strides, outShape), Shapes.BroadcastStrides(b.shape, b.strides, outShape), destination.strides],
            [a.offset, b.offset, destination.offset]);
        int n = rows.RowLength, sa = rows.InnerStrides[0], sb = rows.InnerStrides[1];
        float[] x = a.data, z = b.data, y = destination.data;
        for (int r = 0; r < rows.RowCount; r++)
        {
            int oa = rows.Offsets[0], ob = rows.Offsets[1], oy = rows.Offsets[2];
            Span<float> output = y.AsSpan(oy, n);
            if (sa == 1 && sb == 1) Elementwise.Binary(x.AsSpan(oa, n), z.AsSpan(ob, n), output, kernel);
            else if (sa == 1 && sb == 0) Elementwise.Binary(x.AsSpan(oa, n), z[ob], output, kernel);
            else if (sa == 0 && sb == 1) Elementwise.Binary(x[oa], z.AsSpan(ob, n), output, kernel);
            else for (int i = 0; i < n; i++) output[i] = kernel.Invoke(x[oa + i * sa], z[ob + i * sb]);
            rows.Advance();
        }
    }

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
        BroadcastInto(dy, other, contribution, kernel);
        AddToGrad(input, contribution);
        ReturnScratch(contribution);
    }

    /// <summary>op(x) elementwise into a new tensor; x is read as one contiguous span.</summary>
    internal static Tensor Map<TOp>(Tensor x, string op, TOp kernel) where TOp : struct, IUnaryOperator
    {
        x.RequireFloat(op);
        Tensor y = Output(ShapeOf(x.shape));
        Elementwise.Unary(x.ContiguousValues(), y.Span, kernel);
        return y;
    }

    /// <summary>This tensor's values as one contiguous span: in place if already contiguous, else a copy (no graph).</summary>
    internal ReadOnlySpan<float> ContiguousValues()
    {
        if (IsContiguous) return data.AsSpan(offset, Count);
        var copy = new float[Count];
        CopyTo<float>(data, copy);
        return copy;
    }
}
