namespace Nabla.Tensors;

/// <summary>
/// Choosing elements by a condition: where, masked fill, and the triangles tril/triu (the causal mask
/// of attention). A condition is any tensor, float32 or int32, read as true where it is non-zero.
/// The gradient goes to whichever operand each element was taken from.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>y = condition ? a : b elementwise, all three broadcast together.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        a.RequireFloat("Where");
        b.RequireFloat("Where");
        Tensor mask = condition.ToFloat32();
        int[] outShape = Shapes.Broadcast(Shapes.Broadcast(mask.shape, a.shape, "Where"), b.shape, "Where");
        Tensor y = Output(outShape);
        Select(mask, a, b, y);
        return Record("Where", y, [a, b], dy =>
        {
            Tensor contribution = RentScratch(ShapeOf(dy.shape));
            if (a.requiresGrad)
            {
                Select(mask, dy, Zero, contribution);   // dy where the element came from a
                AccumulateGrad(a, contribution);
            }
            if (b.requiresGrad)
            {
                Select(mask, Zero, dy, contribution);   // dy where it came from b
                AccumulateGrad(b, contribution);
            }
            ReturnScratch(contribution);
        });
    }

    /// <summary>This tensor with <paramref name="value"/> wherever <paramref name="mask"/> (broadcast to this shape) is non-zero.</summary>
    public Tensor MaskedFill(Tensor mask, float value)
    {
        if (!Shapes.BroadcastsTo(mask.shape, shape))
            throw new ArgumentException($"MaskedFill: mask {Shapes.Format(mask.shape)} does not broadcast to the tensor's shape {Shapes.Format(shape)}");
        return Where(mask, Scalar(value), this);
    }

    /// <summary>The lower triangle of the last two dimensions: elements with column − row ≤ diagonal; others 0.</summary>
    public Tensor Tril(int diagonal = 0) => Where(TriangleMask(diagonal, lower: true, "Tril"), this, Zero);

    /// <summary>The upper triangle: elements with column − row ≥ diagonal; others 0.</summary>
    public Tensor Triu(int diagonal = 0) => Where(TriangleMask(diagonal, lower: false, "Triu"), this, Zero);

    private Tensor TriangleMask(int diagonal, bool lower, string op)
    {
        if (Rank < 2) throw new ArgumentException($"{op}: expects at least 2 dimensions, got {Shapes.Format(shape)}");
        int rows = shape[^2], cols = shape[^1];
        var mask = new float[rows * cols];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                mask[i * cols + j] = (lower ? j - i <= diagonal : j - i >= diagonal) ? 1f : 0f;
        return new Tensor(mask, [rows, cols]);
    }

    private static readonly Tensor Zero = Scalar(0f);

    /// <summary>destination = mask ≠ 0 ? a : b, with a, b and mask broadcast to destination's shape.</summary>
    private static void Select(Tensor mask, Tensor a, Tensor b, Tensor destination) =>
        StridedRows.ForEach(new SelectRows(destination.data, mask.data, a.data, b.data), destination, mask, a, b);

    private readonly struct SelectRows(float[] y, float[] mask, float[] a, float[] b) : IRowAction
    {
        public void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides)
        {
            int oy = offsets[0], om = offsets[1], oa = offsets[2], ob = offsets[3];
            int sy = strides[0], sm = strides[1], sa = strides[2], sb = strides[3];
            for (int i = 0; i < n; i++)
                y[oy + i * sy] = mask[om + i * sm] != 0f ? a[oa + i * sa] : b[ob + i * sb];
        }
    }
}
