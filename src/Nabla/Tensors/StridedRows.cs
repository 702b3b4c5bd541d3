namespace Nabla.Tensors;

/// <summary>
/// Walks an N-dimensional index space in row-major order, one innermost row at a time, keeping the
/// offset of the current row in each operand (each operand has its own strides: views and broadcast
/// operands with stride 0 need no copy). Dimensions that are laid out back to back in every operand are
/// merged first, so a contiguous tensor is a single long row and the span kernels see long spans.
/// </summary>
internal sealed class StridedRows
{
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

    public StridedRows(ReadOnlySpan<int> shape, int[][] strides, int[] offsets)
    {
        int operands = strides.Length;
        // Merge from the innermost dimension outwards; size-1 dimensions carry no information.
        var sizes = new List<int>();
        var merged = new List<int[]>();
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            if (shape[d] == 1) continue;
            if (sizes.Count > 0)
            {
                int last = sizes.Count - 1;
                bool mergeable = true;
                for (int o = 0; o < operands; o++)
                    if (strides[o][d] != merged[last][o] * sizes[last]) { mergeable = false; break; }
                if (mergeable)
                {
                    sizes[last] *= shape[d];
                    continue;
                }
            }
            var s = new int[operands];
            for (int o = 0; o < operands; o++) s[o] = strides[o][d];
            sizes.Add(shape[d]);
            merged.Add(s);
        }

        Offsets = (int[])offsets.Clone();
        InnerStrides = new int[operands];
        if (sizes.Count == 0)
        {
            RowLength = Shapes.Count(shape); // 1, or 0 for an empty tensor
            RowCount = RowLength == 0 ? 0 : 1;
            outerSizes = [];
            outerStrides = [];
            index = [];
            return;
        }
        RowLength = sizes[0];
        for (int o = 0; o < operands; o++) InnerStrides[o] = merged[0][o];
        int outer = sizes.Count - 1;
        outerSizes = new int[outer];
        outerStrides = new int[outer][];
        long rows = 1;
        for (int i = 0; i < outer; i++)
        {
            // Outermost first, so Advance walks from the end.
            outerSizes[i] = sizes[outer - i];
            outerStrides[i] = merged[outer - i];
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
