using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// One vector through a Linear layer: y = W · x + b, W stored [rows, cols] (PyTorch's Linear layout, and the
/// tied head's token embedding [V, C]). It is what decoding one token asks of every layer, and it is bound by
/// memory: every weight is read once per token and used in one multiply-add, so the kernel's only job is to
/// stream W at the bandwidth the cores can draw. (GPT-2 small reads 0.5 GB of fp32 weights per token.)
/// </summary>
/// <remarks>
/// Rows go four at a time: each load of x feeds four rows' multiply-adds, and the four rows are four sequential
/// streams the hardware prefetchers follow. Every row has one accumulator register and the same order of
/// additions (lane-wise over the columns in steps of the vector width, then the lanes summed, then the scalar
/// tail, then the bias) whether it is computed in a group of four or alone, so the result does not depend on
/// the thread count or on where a thread's range starts. Threads take contiguous ranges of row groups.
/// </remarks>
public static unsafe class MatVecKernel
{
    /// <summary>Rows computed together (one load of x feeds them all).</summary>
    internal const int GroupRows = 4;

    /// <summary>Weights per thread below which splitting does not pay (a 256 KB slice).</summary>
    private const long MinWeightsPerTask = 1L << 16;

    /// <summary>y[j] = Σ_k W[j, k] · x[k] + bias[j] for j &lt; rows; an empty <paramref name="bias"/> adds nothing.</summary>
    public static void Forward(ReadOnlySpan<float> weight, ReadOnlySpan<float> x, ReadOnlySpan<float> bias, Span<float> y, int rows, int cols)
    {
        const string kernel = "MatVecKernel.Forward";
        RowMath.RequireShape(rows, cols, kernel);
        RowMath.RequireLength(weight.Length, (long)rows * cols, kernel, "weight");
        RowMath.RequireLength(x.Length, cols, kernel, "x");
        RowMath.RequireLength(y.Length, rows, kernel, "y");
        if (!bias.IsEmpty) RowMath.RequireLength(bias.Length, rows, kernel, "bias");
        int groups = (rows + GroupRows - 1) / GroupRows;
        int minGroups = (int)Math.Max(1, MinWeightsPerTask / ((long)GroupRows * cols));
        fixed (float* pw = weight, px = x, pb = bias, py = y)
            RowMath.ParallelLanes(groups, minGroups, new RowGroups(pw, px, bias.IsEmpty ? null : pb, py, rows, cols));
    }

    private readonly struct RowGroups(float* w, float* x, float* bias, float* y, int rows, int cols) : ILaneRange
    {
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            ref readonly float xs = ref *x;
            for (int g = start; g < end; g++)
            {
                int j = g * GroupRows;
                if (j + GroupRows <= rows)
                {
                    ref readonly float w0 = ref w[(long)j * cols];
                    Dot4<T>(in w0, cols, in xs, cols, out y[j], out y[j + 1], out y[j + 2], out y[j + 3]);
                }
                else
                {
                    for (; j < rows; j++) y[j] = RowMath.Dot<T>(in w[(long)j * cols], in xs, cols);
                    j = g * GroupRows;
                }
                if (bias is not null)
                    for (int r = j; r < Math.Min(rows, j + GroupRows); r++) y[r] += bias[r];
            }
        }
    }

    /// <summary>Four rows (<paramref name="ld"/> apart) dotted with x, each summed exactly as <see cref="Dot{T}"/> sums one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    internal static void Dot4<T>(ref readonly float w, long ld, ref readonly float x, int n,
        out float y0, out float y1, out float y2, out float y3) where T : struct, ILanes<T>
    {
        ref readonly float w1 = ref Unsafe.Add(ref Unsafe.AsRef(in w), (nint)ld);
        ref readonly float w2 = ref Unsafe.Add(ref Unsafe.AsRef(in w), (nint)(2 * ld));
        ref readonly float w3 = ref Unsafe.Add(ref Unsafe.AsRef(in w), (nint)(3 * ld));
        int i = 0;
        y0 = y1 = y2 = y3 = 0f;
        if (n >= T.Count)
        {
            T a0 = T.Broadcast(0f), a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - T.Count; i += T.Count)
            {
                T xv = T.Load(in x, i);
                a0 = T.MultiplyAdd(T.Load(in w, i), xv, a0);
                a1 = T.MultiplyAdd(T.Load(in w1, i), xv, a1);
                a2 = T.MultiplyAdd(T.Load(in w2, i), xv, a2);
                a3 = T.MultiplyAdd(T.Load(in w3, i), xv, a3);
            }
            y0 = T.Sum(a0);
            y1 = T.Sum(a1);
            y2 = T.Sum(a2);
            y3 = T.Sum(a3);
        }
        for (; i < n; i++)
        {
            float xi = RowMath.At(in x, i);
            y0 += RowMath.At(in w, i) * xi;
            y1 += RowMath.At(in w1, i) * xi;
            y2 += RowMath.At(in w2, i) * xi;
            y3 += RowMath.At(in w3, i) * xi;
        }
    }
}
