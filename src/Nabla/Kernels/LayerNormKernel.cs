using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Layer normalization over the last axis of a [rows, cols] block (Ba, Kiros, Hinton 2016):
/// y = (x − mean) · rstd · weight + bias, rstd = 1 / √(var + eps) with the biased variance.
/// Forward saves mean and rstd per row for backward. Backward adds into dx, dweight and dbias (+=).
/// </summary>
/// <remarks>
/// The variance is taken around the mean in a second pass over the row (which is in L1 by then), not
/// as E[x²] − mean², which cancels catastrophically when |mean| ≫ std (or when the shift x₀ is far from it).
/// Backward needs each row whole for dx and each column whole for dweight and dbias. Rows go in fixed
/// chunks of <see cref="ChunkRows"/>, split across cores; each chunk computes its rows' dx and its own
/// dweight/dbias partial sums in the same pass, and the partials are then added in chunk order, so the
/// gradients do not depend on the thread count.
/// </remarks>
public static unsafe class LayerNormKernel
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols, float eps)
    {
        const string kernel = "LayerNormKernel.Forward";
        RowMath.RequireShape(rows, cols, kernel);
        long size = (long)rows * cols;
        RowMath.RequireLength(x.Length, size, kernel, "x");
        RowMath.RequireLength(y.Length, size, kernel, "y");
        RowMath.RequireLength(weight.Length, cols, kernel, "weight");
        RowMath.RequireLength(bias.Length, cols, kernel, "bias");
        RowMath.RequireLength(mean.Length, rows, kernel, "mean");
        RowMath.RequireLength(rstd.Length, rows, kernel, "rstd");
        fixed (float* px = x, pw = weight, pb = bias, py = y, pm = mean, ps = rstd)
            RowMath.ParallelLanes(rows, RowMath.RowsPerTask(cols), new ForwardRows(px, pw, pb, py, pm, ps, cols, eps));
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dweight, Span<float> dbias,
        int rows, int cols)
    {
        const string kernel = "LayerNormKernel.Backward";
        RowMath.RequireShape(rows, cols, kernel);
        long size = (long)rows * cols;
        RowMath.RequireLength(dy.Length, size, kernel, "dy");
        RowMath.RequireLength(x.Length, size, kernel, "x");
        RowMath.RequireLength(dx.Length, size, kernel, "dx");
        RowMath.RequireLength(weight.Length, cols, kernel, "weight");
        RowMath.RequireLength(dweight.Length, cols, kernel, "dweight");
        RowMath.RequireLength(dbias.Length, cols, kernel, "dbias");
        RowMath.RequireLength(mean.Length, rows, kernel, "mean");
        RowMath.RequireLength(rstd.Length, rows, kernel, "rstd");
        // Each chunk of ChunkRows rows sums its own dweight and dbias partials while it computes dx (x and
        // dy are read once, while they are in cache); then the partials are added in chunk order.
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        float[] partials = ArrayPool<float>.Shared.Rent(Math.Max(1, chunks * 2 * cols));
        try
        {
            fixed (float* pdy = dy, px = x, pw = weight, pm = mean, ps = rstd, pdx = dx, pp = partials)
                RowMath.ParallelLanes(chunks, Math.Max(1, RowMath.RowsPerTask(cols) / ChunkRows),
                    new BackwardChunks(pdy, px, pw, pm, ps, pdx, pp, rows, cols));
            for (int c = 0; c < chunks; c++)
            {
                TensorPrimitives.Add(dweight[..cols], partials.AsSpan(2 * c * cols, cols), dweight[..cols]);
                TensorPrimitives.Add(dbias[..cols], partials.AsSpan((2 * c + 1) * cols, cols), dbias[..cols]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(partials);
        }
    }

    /// <summary>Rows per chunk of the dweight/dbias partial sums. Fixed, not derived from the thread count,
    /// so the gradients are the same numbers whatever the number of threads.</summary>
    internal const int ChunkRows = 32;

    // ---- one row ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void ForwardRow<T>(ref readonly float x, ref readonly float weight, ref readonly float bias, ref float y,
        int n, float eps, out float mean, out float rstd) where T : struct, ILanes<T>
    {
        // Work with x − x₀ (x₀ the row's first element), which is exact for nearby values: its mean μ′ is
        // small and keeps its digits, where a mean near 1000 would be rounded to 6e−5 before it is used.
        float first = x;
        float shiftedMean = ShiftedSum<T>(in x, n, first) / n;
        mean = first + shiftedMean;
        T x0 = T.Broadcast(first), m = T.Broadcast(shiftedMean);
        float variance = SquaredDeviationSum<T>(in x, n, first, shiftedMean);
        rstd = 1f / MathF.Sqrt(variance / n + eps);

        T s = T.Broadcast(rstd);
        int i = 0;
        for (; i <= n - T.Count; i += T.Count)
        {
            T normalized = (T.Load(in x, i) - x0 - m) * s;
            T.Store(T.MultiplyAdd(normalized, T.Load(in weight, i), T.Load(in bias, i)), ref y, i);
        }
        for (; i < n; i++)
            RowMath.AtRef(ref y, i) = (RowMath.At(in x, i) - first - shiftedMean) * rstd * RowMath.At(in weight, i) + RowMath.At(in bias, i);
    }

    // The two statistics passes keep four partial sums each: one accumulator would make every add wait for
    // the previous one (3–4 cycles of latency per register of the row), four keep the adders busy. The row
    // is in L1, so the second pass costs little more than its arithmetic.

    /// <summary>Σ (x − shift) over the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ShiftedSum<T>(ref readonly float x, int n, float shift) where T : struct, ILanes<T>
    {
        T by = T.Broadcast(shift), s0 = T.Broadcast(0f), s1 = s0, s2 = s0, s3 = s0;
        int i = 0;
        for (; i <= n - 4 * T.Count; i += 4 * T.Count)
        {
            s0 += T.Load(in x, i) - by;
            s1 += T.Load(in x, i + T.Count) - by;
            s2 += T.Load(in x, i + 2 * T.Count) - by;
            s3 += T.Load(in x, i + 3 * T.Count) - by;
        }
        for (; i <= n - T.Count; i += T.Count) s0 += T.Load(in x, i) - by;
        float sum = T.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum += RowMath.At(in x, i) - shift;
        return sum;
    }

    /// <summary>Σ (x − shift − shiftedMean)² over the row: the variance around the mean, times n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float SquaredDeviationSum<T>(ref readonly float x, int n, float shift, float shiftedMean) where T : struct, ILanes<T>
    {
        T by = T.Broadcast(shift), m = T.Broadcast(shiftedMean), v0 = T.Broadcast(0f), v1 = v0, v2 = v0, v3 = v0;
        int i = 0;
        for (; i <= n - 4 * T.Count; i += 4 * T.Count)
        {
            T d0 = T.Load(in x, i) - by - m, d1 = T.Load(in x, i + T.Count) - by - m;
            T d2 = T.Load(in x, i + 2 * T.Count) - by - m, d3 = T.Load(in x, i + 3 * T.Count) - by - m;
            v0 = T.MultiplyAdd(d0, d0, v0);
            v1 = T.MultiplyAdd(d1, d1, v1);
            v2 = T.MultiplyAdd(d2, d2, v2);
            v3 = T.MultiplyAdd(d3, d3, v3);
        }
        for (; i <= n - T.Count; i += T.Count) { T d = T.Load(in x, i) - by - m; v0 = T.MultiplyAdd(d, d, v0); }
        float sum = T.Sum((v0 + v1) + (v2 + v3));
        for (; i < n; i++) { float d = RowMath.At(in x, i) - shift - shiftedMean; sum += d * d; }
        return sum;
    }

    /// <summary>
    /// With x̂ = (x − mean)·rstd and g = dy ⊙ weight (the gradient reaching x̂), differentiating through
    /// mean and rstd gives dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)). The same first pass adds this
    /// row's dweight = dy ⊙ x̂ and dbias = dy into the chunk's partial sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void BackwardRow<T>(ref readonly float dy, ref readonly float x, ref readonly float weight,
        float mean, float rstd, ref float dx, ref float dweight, ref float dbias, int n) where T : struct, ILanes<T>
    {
        T m = T.Broadcast(mean), s = T.Broadcast(rstd);
        int i = 0;
        float sumG = 0f, sumGX = 0f;
        if (n >= T.Count)
        {
            T g = T.Broadcast(0f), gx = T.Broadcast(0f);
            for (; i <= n - T.Count; i += T.Count)
            {
                T d = T.Load(in dy, i);
                T gi = d * T.Load(in weight, i);
                T xhat = (T.Load(in x, i) - m) * s;
                g += gi;
                gx = T.MultiplyAdd(gi, xhat, gx);
                T.Store(T.MultiplyAdd(d, xhat, T.Load(in dweight, i)), ref dweight, i);
                T.Store(T.Load(in dbias, i) + d, ref dbias, i);
            }
            sumG = T.Sum(g);
            sumGX = T.Sum(gx);
        }
        for (; i < n; i++)
        {
            float d = RowMath.At(in dy, i), gi = d * RowMath.At(in weight, i);
            float xhat = (RowMath.At(in x, i) - mean) * rstd;
            sumG += gi;
            sumGX += gi * xhat;
            RowMath.AtRef(ref dweight, i) += d * xhat;
            RowMath.AtRef(ref dbias, i) += d;
        }
        float meanG = sumG / n, meanGX = sumGX / n;

        T mg = T.Broadcast(meanG), mgx = T.Broadcast(meanGX);
        for (i = 0; i <= n - T.Count; i += T.Count)
        {
            T gi = T.Load(in dy, i) * T.Load(in weight, i);
            T xhat = (T.Load(in x, i) - m) * s;
            T.Store(T.MultiplyAdd(s, gi - mg - xhat * mgx, T.Load(in dx, i)), ref dx, i);
        }
        for (; i < n; i++)
        {
            float gi = RowMath.At(in dy, i) * RowMath.At(in weight, i);
            float xhat = (RowMath.At(in x, i) - mean) * rstd;
            RowMath.AtRef(ref dx, i) += rstd * (gi - meanG - xhat * meanGX);
        }
    }

    /// <summary>One chunk: clears its dweight/dbias partials (at partials + 2·chunk·cols), then runs its rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void BackwardChunk<T>(float* dy, float* x, float* weight, float* mean, float* rstd, float* dx, float* partials,
        int rows, int cols, int chunk) where T : struct, ILanes<T>
    {
        float* dw = partials + 2L * chunk * cols, db = dw + cols;
        new Span<float>(dw, 2 * cols).Clear();
        int end = Math.Min(rows, (chunk + 1) * ChunkRows);
        for (long r = (long)chunk * ChunkRows; r < end; r++)
            BackwardRow<T>(in dy[r * cols], in x[r * cols], in weight[0], mean[r], rstd[r], ref dx[r * cols], ref dw[0], ref db[0], cols);
    }

    // ---- split across cores ----

    private readonly struct ForwardRows(float* x, float* weight, float* bias, float* y, float* mean, float* rstd, int cols, float eps)
        : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
                ForwardRow<T>(in x[r * cols], in weight[0], in bias[0], ref y[r * cols], cols, eps, out mean[r], out rstd[r]);
        }
    }

    private readonly struct BackwardChunks(float* dy, float* x, float* weight, float* mean, float* rstd, float* dx, float* partials,
        int rows, int cols) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (int chunk = start; chunk < end; chunk++)
                BackwardChunk<T>(dy, x, weight, mean, rstd, dx, partials, rows, cols, chunk);
        }
    }
}
