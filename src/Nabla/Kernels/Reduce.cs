using System.Numerics.Tensors;

namespace Nabla.Kernels;

/// <summary>
/// Reductions over one axis of a contiguous block viewed as [outer, reduced, inner]: the reduced axis
/// is the middle one, so "over the last dimension" is inner = 1 and "over the first" is outer = 1.
/// Rows are summed with TensorPrimitives (SIMD); when inner &gt; 1 the reduction is a running vector
/// addition of whole rows, which reads memory in order. Nothing here allocates.
/// </summary>
public static unsafe class Reduce
{
    /// <summary>y[o, i] = Σ_r x[o, r, i]; y is overwritten.</summary>
    public static void Sum(ReadOnlySpan<float> x, Span<float> y, int outer, int reduced, int inner)
    {
        if (x.Length != outer * reduced * inner || y.Length != outer * inner)
            throw new ArgumentException($"Reduce.Sum: spans of {x.Length} and {y.Length} elements do not fit [{outer}, {reduced}, {inner}]");
        if (reduced == 0) { y.Clear(); return; }
        if (x.Length < Elementwise.ParallelThreshold || outer < 2)
        {
            SumRange(x, y, 0, outer, reduced, inner);
            return;
        }
        fixed (float* px = x, py = y)
            ParallelFor.Run(outer, Math.Max(1, Elementwise.ParallelThreshold / (reduced * inner)), new SumChunks(px, py, x.Length, y.Length, reduced, inner));
    }

    private static void SumRange(ReadOnlySpan<float> x, Span<float> y, int start, int end, int reduced, int inner)
    {
        for (int o = start; o < end; o++)
        {
            ReadOnlySpan<float> group = x.Slice(o * reduced * inner, reduced * inner);
            if (inner == 1)
            {
                y[o] = TensorPrimitives.Sum(group);
                continue;
            }
            Span<float> row = y.Slice(o * inner, inner);
            group[..inner].CopyTo(row);
            for (int r = 1; r < reduced; r++) TensorPrimitives.Add(row, group.Slice(r * inner, inner), row);
        }
    }

    private readonly struct SumChunks(float* x, float* y, int xLength, int yLength, int reduced, int inner) : IRangeAction
    {
        public void Invoke(int start, int end) =>
            SumRange(new ReadOnlySpan<float>(x, xLength), new Span<float>(y, yLength), start, end, reduced, inner);
    }

    /// <summary>
    /// For each row of a [rows, cols] block: the largest (or smallest) value and its index, the first on
    /// ties; a NaN wins (as in PyTorch), since TensorPrimitives returns the first NaN.
    /// </summary>
    public static void ExtremumRows(ReadOnlySpan<float> x, int rows, int cols, bool largest, Span<float> values, Span<int> indices)
    {
        if (x.Length != rows * cols || values.Length != rows || indices.Length != rows || cols == 0)
            throw new ArgumentException($"Reduce.ExtremumRows: spans do not fit [{rows}, {cols}]");
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * cols, cols);
            int i = largest ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
            indices[r] = i;
            values[r] = row[i];
        }
    }
}
