using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Layer normalization over the last axis of a [rows, cols] block (Ba, Kiros, Hinton 2016):
/// y = (x − mean) · rstd · weight + bias, rstd = 1 / √(var + eps) with the biased variance.
/// Forward saves mean and rstd per row for backward. Backward adds into dx, dweight and dbias (+=).
/// </summary>
/// <remarks>
/// The variance is taken around the mean in a second pass over the row (which is in L1 by then), not
/// as E[x²] − mean², which cancels catastrophically when |mean| ≫ std.
/// Backward needs each row whole for dx and each column whole for dweight and dbias, so it runs two
/// parallel passes: rows split across cores, then columns. Every column sum is taken in row order, so the
/// gradients do not depend on the thread count.
/// </remarks>
public static unsafe class LayerNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols, float eps)
    {
        const string kernel = "LayerNorm.Forward";
        RowMath.RequireShape(rows, cols, kernel);
        long size = (long)rows * cols;
        RowMath.RequireLength(x.Length, size, kernel, "x");
        RowMath.RequireLength(y.Length, size, kernel, "y");
        RowMath.RequireLength(weight.Length, cols, kernel, "weight");
        RowMath.RequireLength(bias.Length, cols, kernel, "bias");
        RowMath.RequireLength(mean.Length, rows, kernel, "mean");
        RowMath.RequireLength(rstd.Length, rows, kernel, "rstd");
        fixed (float* px = x, pw = weight, pb = bias, py = y, pm = mean, ps = rstd)
            ParallelFor.Run(rows, RowMath.RowsPerTask(cols), new ForwardRows(px, pw, pb, py, pm, ps, cols, eps));
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dweight, Span<float> dbias,
        int rows, int cols)
    {
        const string kernel = "LayerNorm.Backward";
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
        fixed (float* pdy = dy, px = x, pw = weight, pm = mean, ps = rstd, pdx = dx, pdw = dweight, pdb = dbias)
        {
            ParallelFor.Run(rows, RowMath.RowsPerTask(cols), new InputGradientRows(pdy, px, pw, pm, ps, pdx, cols));
            // Columns go in blocks of 16 (a whole register at either width); each block reads every row.
            int blocks = (cols + ColumnBlock - 1) / ColumnBlock;
            int blocksPerTask = Math.Max(1, RowMath.MinElementsPerTask / Math.Max(1, rows * ColumnBlock));
            ParallelFor.Run(blocks, blocksPerTask, new ParameterGradientBlocks(pdy, px, pm, ps, pdw, pdb, rows, cols));
        }
    }

    private const int ColumnBlock = 16;

    // ---- one row ----

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]

    internal static void ForwardRow<T>(ref readonly float x, ref readonly float weight, ref readonly float bias, ref float y,
        int n, float eps, out float mean, out float rstd) where T : struct, ILanes<T>
    {
        // Work with x − x₀ (x₀ the row's first element), which is exact for nearby values: its mean μ′ is
        // small and keeps its digits, where a mean near 1000 would be rounded to 6e−5 before it is used.
        float first = x;
        float shiftedMean = RowMath.ShiftedSum<T>(in x, n, first) / n;
        mean = first + shiftedMean;
        T x0 = T.Broadcast(first), m = T.Broadcast(shiftedMean);
        int i = 0;
        float variance = 0f;
        if (n >= T.Count)
        {
            T v = T.Broadcast(0f);
            for (; i <= n - T.Count; i += T.Count)
            {
                T d = T.Load(in x, i) - x0 - m;
                v = T.MultiplyAdd(d, d, v);
            }
            variance = T.Sum(v);
        }
        for (; i < n; i++) { float d = RowMath.At(in x, i) - first - shiftedMean; variance += d * d; }
        rstd = 1f / MathF.Sqrt(variance / n + eps);

        T s = T.Broadcast(rstd);
        for (i = 0; i <= n - T.Count; i += T.Count)
        {
            T normalized = (T.Load(in x, i) - x0 - m) * s;
            T.Store(T.MultiplyAdd(normalized, T.Load(in weight, i), T.Load(in bias, i)), ref y, i);
        }
        for (; i < n; i++)
            RowMath.AtRef(ref y, i) = (RowMath.At(in x, i) - first - shiftedMean) * rstd * RowMath.At(in weight, i) + RowMath.At(in bias, i);
    }

    /// <summary>
    /// With x̂ = (x − mean)·rstd and g = dy ⊙ weight (the gradient reaching x̂), differentiating through
    /// mean and rstd gives dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void InputGradientRow<T>(ref readonly float dy, ref readonly float x, ref readonly float weight,
        float mean, float rstd, ref float dx, int n) where T : struct, ILanes<T>
    {
        T m = T.Broadcast(mean), s = T.Broadcast(rstd);
        int i = 0;
        float sumG = 0f, sumGX = 0f;
        if (n >= T.Count)
        {
            T g = T.Broadcast(0f), gx = T.Broadcast(0f);
            for (; i <= n - T.Count; i += T.Count)
            {
                T gi = T.Load(in dy, i) * T.Load(in weight, i);
                g += gi;
                gx = T.MultiplyAdd(gi, (T.Load(in x, i) - m) * s, gx);
            }
            sumG = T.Sum(g);
            sumGX = T.Sum(gx);
        }
        for (; i < n; i++)
        {
            float gi = RowMath.At(in dy, i) * RowMath.At(in weight, i);
            sumG += gi;
            sumGX += gi * (RowMath.At(in x, i) - mean) * rstd;
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

    /// <summary>dweight[c] += Σ_r dy[r,c] · x̂[r,c] and dbias[c] += Σ_r dy[r,c], for columns [c0, c1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ParameterGradientColumns<T>(float* dy, float* x, float* mean, float* rstd, float* dweight, float* dbias,
        int rows, int cols, int c0, int c1) where T : struct, ILanes<T>
    {
        int c = c0;
        for (; c <= c1 - T.Count; c += T.Count)
        {
            T dw = T.Broadcast(0f), db = T.Broadcast(0f);
            for (long r = 0; r < rows; r++)
            {
                T g = T.Load(in dy[r * cols], c);
                T xhat = (T.Load(in x[r * cols], c) - T.Broadcast(mean[r])) * T.Broadcast(rstd[r]);
                dw = T.MultiplyAdd(g, xhat, dw);
                db += g;
            }
            T.Store(T.Load(in dweight[0], c) + dw, ref dweight[0], c);
            T.Store(T.Load(in dbias[0], c) + db, ref dbias[0], c);
        }
        for (; c < c1; c++)
        {
            float dw = 0f, db = 0f;
            for (long r = 0; r < rows; r++)
            {
                float g = dy[r * cols + c];
                dw += g * (x[r * cols + c] - mean[r]) * rstd[r];
                db += g;
            }
            dweight[c] += dw;
            dbias[c] += db;
        }
    }

    // ---- split across cores ----

    private readonly struct ForwardRows(float* x, float* weight, float* bias, float* y, float* mean, float* rstd, int cols, float eps)
        : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            if (RowMath.Use512) Run<Lanes512>(start, end);
            else if (RowMath.Use256) Run<Lanes256>(start, end);
            else Run<Lanes1>(start, end);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        private void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
                ForwardRow<T>(in x[r * cols], in weight[0], in bias[0], ref y[r * cols], cols, eps, out mean[r], out rstd[r]);
        }
    }

    private readonly struct InputGradientRows(float* dy, float* x, float* weight, float* mean, float* rstd, float* dx, int cols)
        : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            if (RowMath.Use512) Run<Lanes512>(start, end);
            else if (RowMath.Use256) Run<Lanes256>(start, end);
            else Run<Lanes1>(start, end);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]

        private void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
                InputGradientRow<T>(in dy[r * cols], in x[r * cols], in weight[0], mean[r], rstd[r], ref dx[r * cols], cols);
        }
    }

    private readonly struct ParameterGradientBlocks(float* dy, float* x, float* mean, float* rstd, float* dweight, float* dbias,
        int rows, int cols) : IRangeAction
    {
        public void Invoke(int start, int end)
        {
            int c0 = start * ColumnBlock, c1 = Math.Min(cols, end * ColumnBlock);
            if (RowMath.Use512) ParameterGradientColumns<Lanes512>(dy, x, mean, rstd, dweight, dbias, rows, cols, c0, c1);
            else if (RowMath.Use256) ParameterGradientColumns<Lanes256>(dy, x, mean, rstd, dweight, dbias, rows, cols, c0, c1);
            else ParameterGradientColumns<Lanes1>(dy, x, mean, rstd, dweight, dbias, rows, cols, c0, c1);
        }
    }
}
