namespace Nabla.Tensors;

/// <summary>What a walk over tensors does with one row: <paramref name="n"/> elements; operand k's first
/// element is at <c>offsets[k]</c> of its storage and the next ones <c>strides[k]</c> apart (0: broadcast).</summary>
internal interface IRowAction
{
    void Row(int n, ReadOnlySpan<int> offsets, ReadOnlySpan<int> strides);
}

/// <summary>
/// Walks an N-dimensional index space in row-major order, one innermost row at a time, keeping the
/// offset of the current row in each operand (each operand has its own strides: views and broadcast
/// operands with stride 0 need no copy). Dimensions that are laid out back to back in every operand are
/// merged first, so a contiguous tensor is a single long row and the span kernels see long spans.
/// </summary>
internal sealed class StridedRows
{
    /// <summary>
    /// The one walk over tensors of any layout: calls <paramref name="action"/> for every row of
    /// <paramref name="destination"/>'s shape, with the destination as operand 0 and each source, broadcast
    /// to that shape, after it. When every operand is contiguous and of the destination's shape (the common
    /// case) that is a single row of stride 1, found without building the walk, so nothing is allocated.
    /// </summary>
    public static void ForEach<TAction>(TAction action, Tensor destination, params ReadOnlySpan<Tensor> sources)
        where TAction : struct, IRowAction
    {
        int operands = sources.Length + 1;
        bool oneRow = destination.IsContiguous;
        for (int k = 0; oneRow && k < sources.Length; k++)
            oneRow = sources[k].IsContiguous && Shapes.SameShape(sources[k].shape, destination.shape);
        if (oneRow || SharedDenseLayout(destination, sources))
        {
            Span<int> offsets = stackalloc int[operands], ones = stackalloc int[operands];
            offsets[0] = destination.offset;
            for (int k = 0; k < sources.Length; k++) offsets[k + 1] = sources[k].offset;
            ones.Fill(1);
            action.Row(destination.Count, offsets, ones);
            return;
        }
        int[] shape = destination.shape;
        var strides = new int[operands][];
        var starts = new int[operands];
        strides[0] = destination.strides;
        starts[0] = destination.offset;
        for (int k = 0; k < sources.Length; k++)
        {
            strides[k + 1] = Shapes.BroadcastStrides(sources[k].shape, sources[k].strides, shape);
            starts[k + 1] = sources[k].offset;
        }
        var rows = new StridedRows(shape, strides, starts);
        for (int r = 0; r < rows.RowCount; r++)
        {
            action.Row(rows.RowLength, rows.Offsets, rows.InnerStrides);
            rows.Advance();
        }
    }

    /// <summary>
    /// Every source has the destination's shape and, dimension for dimension, its strides, and those strides lay
    /// the elements out back to back in some order of the dimensions (a transposed or permuted block). Then
    /// element i of the storage stretch is the same element of every operand, and the walk is one row in
    /// memory order, where a walk in index order would stride through memory (a [50257, 768] gradient seen as
    /// its transpose).
    /// </summary>
    private static bool SharedDenseLayout(Tensor destination, ReadOnlySpan<Tensor> sources)
    {
        int[] shape = destination.shape, strides = destination.strides;
        foreach (Tensor source in sources)
        {
            if (!Shapes.SameShape(source.shape, shape)) return false;
            for (int d = 0; d < shape.Length; d++)
                if (shape[d] > 1 && source.strides[d] != strides[d]) return false;
        }
        Span<(int Stride, int Size)> dims = stackalloc (int, int)[shape.Length];
        int count = 0;
        for (int d = 0; d < shape.Length; d++)
            if (shape[d] > 1) dims[count++] = (strides[d], shape[d]);
        dims = dims[..count];
        dims.Sort();
        long expected = 1;
        foreach (var (stride, size) in dims)
        {
            if (stride != expected) return false;
            expected *= size;
        }
        return true;
    }

    private readonly int[] outerSizes;
    private readonly int[][] outerStrides;
    private readonly int[] index;

    /// <summary>Offset of the current row in each operand.</summary>
    public readonly int[] Offsets;
    /// <summary>Length of every row.</summary>
    public readonly int RowLength;
    /// <summary>Stride between consecutive elements of a row, per operand (0: broadcast, 1: contiguous).</summary>
    public readonly int[] InnerStrides;
    /// <summary>Number of rows.</summary>
    public readonly int RowCount;

    private StridedRows(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        int operands = strides.Length;
        // Merge from the innermost dimension outwards; size-1 dimensions carry no information.
        // mergedBuffer[k * operands + o] is the stride of operand o along merged dimension k (innermost first).
        Span<int> sizesBuffer = stackalloc int[shape.Length];
        Span<int> mergedBuffer = stackalloc int[shape.Length * operands];
        int count = 0;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            if (count > 0)
            {
                int last = count - 1;
                bool mergeable = true;
                for (int o = 0; o < operands; o++)
                    if (strides[o][d] != mergedBuffer[last * operands + o] * sizesBuffer[last]) { mergeable = false; break; }
                if (mergeable)
                {
                    sizesBuffer[last] *= shape[d];
                    continue;
                }
            }
            for (int o = 0; o < operands; o++) mergedBuffer[count * operands + o] = strides[o][d];
            sizesBuffer[count++] = shape[d];
        }
        Span<int> sizes = sizesBuffer[..count];

        Offsets = (int[])offsets.Clone();
        InnerStrides = new int[operands];
        if (count == 0)
        {
            RowLength = Shapes.Count(shape); // 1, or 0 for an empty tensor
            RowCount = RowLength == 0 ? 0 : 1;
            outerSizes = [];
            outerStrides = [];
            index = [];
            return;
        }
        RowLength = sizes[0];
        for (int o = 0; o < operands; o++) InnerStrides[o] = mergedBuffer[o];
        int outer = count - 1;
        outerSizes = new int[outer];
        outerStrides = new int[outer][];
        long rows = 1;
        for (int i = 0; i < outer; i++)
        {
            // Outermost first, so Advance walks from the end.
            outerSizes[i] = sizes[outer - i];
            outerStrides[i] = mergedBuffer.Slice((outer - i) * operands, operands).ToArray();
            rows *= outerSizes[i];
        }
        RowCount = shape.Length > 0 && Shapes.Count(shape) == 0 ? 0 : (int)rows;
        index = new int[outer];
    }

    /// <summary>Moves <see cref="Offsets"/> to the next row.</summary>
    public void Advance()
    {
        for (int d = outerSizes.Length - 1; d >= 0; d--)
        {
            int[] s = outerStrides[d];
            if (++index[d] < outerSizes[d])
            {
                for (int o = 0; o < Offsets.Length; o++) Offsets[o] += s[o];
                return;
            }
            index[d] = 0;
            for (int o = 0; o < Offsets.Length; o++) Offsets[o] -= s[o] * (outerSizes[d] - 1);
        }
    }
}
