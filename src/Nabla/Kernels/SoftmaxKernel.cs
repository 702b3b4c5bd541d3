using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Softmax and log-softmax over the last axis of a row-major [rows, cols] block.
/// Forward subtracts the row max before exponentiating, so large logits cannot overflow:
/// softmax(x) = exp(x − m) / Σ exp(x − m), log-softmax(x) = x − (m + log Σ exp(x − m)).
/// Backward kernels add into the input gradient (+=), as autograd accumulates.
/// Rows are split across cores; each row is a few SIMD passes over L1-resident data.
/// </summary>
public static unsafe class SoftmaxKernel
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols) =>
        RunForward(x, y, rows, cols, log: false, "SoftmaxKernel.Forward");

    /// <summary>dx += y ⊙ (dy − Σ dy·y), per row; y is the forward output.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols) =>
        RunBackward(y, dy, dx, rows, cols, log: false, "SoftmaxKernel.Backward");

    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols) =>
        RunForward(x, y, rows, cols, log: true, "SoftmaxKernel.LogForward");

    /// <summary>dx += dy − exp(y) · Σ dy, per row; y is the forward output (log-probabilities).</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols) =>
        RunBackward(y, dy, dx, rows, cols, log: true, "SoftmaxKernel.LogBackward");

    private static void RunForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols, bool log, string kernel)
    {
        Check(x.Length, y.Length, rows, cols, kernel, "x", "y");
        fixed (float* px = x, py = y)
            RowMath.ParallelLanes(rows, RowMath.RowsPerTask(cols), new ForwardRows(px, py, cols, log));
    }

    private static void RunBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols, bool log, string kernel)
    {
        Check(y.Length, dy.Length, rows, cols, kernel, "y", "dy");
        RowMath.RequireLength(dx.Length, (long)rows * cols, kernel, "dx");
        fixed (float* py = y, pdy = dy, pdx = dx)
            RowMath.ParallelLanes(rows, RowMath.RowsPerTask(cols), new BackwardRows(py, pdy, pdx, cols, log));
    }

    // ---- one row ----

    /// <summary>softmax: y = exp(x − max) / Σ; log-softmax: y = x − (max + log Σ exp(x − max)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void ForwardRow<T>(ref readonly float x, ref float y, int n, bool log) where T : struct, ILanes<T>
    {
        float max = RowMath.Max<T>(in x, n);
        if (log)
        {
            float logSum = max + MathF.Log(RowMath.ExpShiftedSum<T>(in x, n, max));
            RowMath.ScaleShift<T>(in x, ref y, n, 1f, -logSum);
        }
        else
        {
            float sum = RowMath.ExpShiftedStore<T>(in x, ref y, n, max);
            RowMath.ScaleShift<T>(in y, ref y, n, 1f / sum, 0f);
        }
    }

    /// <summary>The Jacobian of softmax is diag(y) − y yᵀ, so dx = y ⊙ (dy − ⟨dy, y⟩).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void BackwardRow<T>(ref readonly float y, ref readonly float dy, ref float dx, int n) where T : struct, ILanes<T>
    {
        float dot = RowMath.Dot<T>(in y, in dy, n);
        T d = T.Broadcast(dot);
        int i = 0;
        for (; i <= n - T.Count; i += T.Count)
            T.Store(T.MultiplyAdd(T.Load(in y, i), T.Load(in dy, i) - d, T.Load(in dx, i)), ref dx, i);
        for (; i < n; i++)
            RowMath.AtRef(ref dx, i) += RowMath.At(in y, i) * (RowMath.At(in dy, i) - dot);
    }

    /// <summary>The Jacobian of log-softmax is I − 1 exp(y)ᵀ, so dx = dy − exp(y) · Σ dy.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static void LogBackwardRow<T>(ref readonly float y, ref readonly float dy, ref float dx, int n) where T : struct, ILanes<T>
    {
        float sum = RowMath.Sum<T>(in dy, n);
        T s = T.Broadcast(sum);
        int i = 0;
        for (; i <= n - T.Count; i += T.Count)
        {
            T grad = T.Load(in dy, i) - FastMath.Exp(T.Load(in y, i)) * s;
            T.Store(T.Load(in dx, i) + grad, ref dx, i);
        }
        for (; i < n; i++)
        {
            Lanes1 grad = Lanes1.Load(in dy, i) - FastMath.Exp(Lanes1.Load(in y, i)) * Lanes1.Broadcast(sum);
            Lanes1.Store(Lanes1.Load(in dx, i) + grad, ref dx, i);
        }
    }

    // ---- rows split across cores ----

    private readonly struct ForwardRows(float* x, float* y, int cols, bool log) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
                ForwardRow<T>(in x[r * cols], ref y[r * cols], cols, log);
        }
    }

    private readonly struct BackwardRows(float* y, float* dy, float* dx, int cols, bool log) : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
            {
                if (log) LogBackwardRow<T>(in y[r * cols], in dy[r * cols], ref dx[r * cols], cols);
                else BackwardRow<T>(in y[r * cols], in dy[r * cols], ref dx[r * cols], cols);
            }
        }
    }

    private static void Check(int inLength, int outLength, int rows, int cols, string kernel, string inName, string outName)
    {
        RowMath.RequireShape(rows, cols, kernel);
        RowMath.RequireLength(inLength, (long)rows * cols, kernel, inName);
        RowMath.RequireLength(outLength, (long)rows * cols, kernel, outName);
    }
}
