using System.Buffers;
using System.Runtime.CompilerServices;

namespace Nabla.Kernels;

/// <summary>
/// Cross-entropy from logits with class-index targets, fused with softmax. Per row,
/// loss = −log softmax(x)[t] = (m + log Σ exp(x − m)) − x[t] with m the row max, so no probability is
/// ever rounded to zero and then logged, and large logits cannot overflow. The probabilities are kept
/// for backward, where ∂loss/∂x = softmax(x) − onehot(t): the same pass that computes the loss
/// computes everything backward needs.
/// Rows whose target equals <c>ignoreIndex</c> contribute neither loss nor gradient; the mean is over
/// the remaining rows (NaN when every row is ignored, as in PyTorch).
/// </summary>
public static unsafe class CrossEntropyKernel
{
    /// <summary>Returns the mean loss; writes softmax(logits) into <paramref name="probs"/> for backward.
    /// Targets must lie in [0, cols) or equal <paramref name="ignoreIndex"/>.</summary>
    public static float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> probs,
        int rows, int cols, int ignoreIndex)
    {
        Check(logits.Length, targets, rows, cols, ignoreIndex, "CrossEntropyKernel.Forward", "logits");
        RowMath.RequireLength(probs.Length, (long)rows * cols, "CrossEntropyKernel.Forward", "probs");
        // Each row's loss lands in its own slot, then one thread adds them in row order: the mean is the
        // same number whatever the thread count. The slots come from a pool, so nothing is allocated per call.
        float[] rowLoss = ArrayPool<float>.Shared.Rent(Math.Max(rows, 1));
        try
        {
            fixed (float* px = logits, pp = probs, pl = rowLoss)
            fixed (int* pt = targets)
                RowMath.ParallelLanes(rows, RowMath.RowsPerTask(cols), new ForwardRows(px, pt, pp, pl, cols, ignoreIndex));
            double total = 0;
            int counted = 0;
            for (int r = 0; r < rows; r++)
            {
                if (targets[r] == ignoreIndex) continue;
                total += rowLoss[r];
                counted++;
            }
            return counted == 0 ? float.NaN : (float)(total / counted);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rowLoss);
        }
    }

    /// <summary>dlogits += (probs − onehot(target)) · gradLoss / counted, for rows not ignored.</summary>
    public static void Backward(ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, float gradLoss, Span<float> dlogits,
        int rows, int cols, int ignoreIndex)
    {
        Check(probs.Length, targets, rows, cols, ignoreIndex, "CrossEntropyKernel.Backward", "probs");
        RowMath.RequireLength(dlogits.Length, (long)rows * cols, "CrossEntropyKernel.Backward", "dlogits");
        int counted = 0;
        for (int r = 0; r < rows; r++) if (targets[r] != ignoreIndex) counted++;
        if (counted == 0) return;
        float scale = gradLoss / counted;
        fixed (float* pp = probs, pd = dlogits)
        fixed (int* pt = targets)
            RowMath.ParallelLanes(rows, RowMath.RowsPerTask(cols), new BackwardRows(pp, pt, pd, cols, ignoreIndex, scale));
    }

    // ---- one row ----

    /// <summary>probs = softmax(x); returns (m + log Σ exp(x − m)) − x[target].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static float ForwardRow<T>(ref readonly float x, ref float probs, int n, int target) where T : struct, ILanes<T>
    {
        float max = RowMath.Max<T>(in x, n);
        float sum = RowMath.ExpShiftedStore<T>(in x, ref probs, n, max);
        RowMath.ScaleShift<T>(in probs, ref probs, n, 1f / sum, 0f);
        return target < 0 ? 0f : max + MathF.Log(sum) - RowMath.At(in x, target);
    }

    // ---- rows split across cores ----

    private readonly struct ForwardRows(float* logits, int* targets, float* probs, float* rowLoss, int cols, int ignoreIndex)
        : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
            {
                int target = targets[r] == ignoreIndex ? -1 : targets[r];
                rowLoss[r] = ForwardRow<T>(in logits[r * cols], ref probs[r * cols], cols, target);
            }
        }
    }

    private readonly struct BackwardRows(float* probs, int* targets, float* dlogits, int cols, int ignoreIndex, float scale)
        : ILaneRange
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
        public void Run<T>(int start, int end) where T : struct, ILanes<T>
        {
            for (long r = start; r < end; r++)
            {
                int t = targets[r];
                if (t == ignoreIndex) continue;
                RowMath.AddScaled<T>(in probs[r * cols], ref dlogits[r * cols], cols, scale);
                dlogits[r * cols + t] -= scale;
            }
        }
    }

    private static void Check(int length, ReadOnlySpan<int> targets, int rows, int cols, int ignoreIndex, string kernel, string name)
    {
        RowMath.RequireShape(rows, cols, kernel);
        RowMath.RequireLength(length, (long)rows * cols, kernel, name);
        RowMath.RequireLength(targets.Length, rows, kernel, "targets");
        // The kernel reads x[target] through a pointer, so a bad target must be caught here, not trusted.
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t != ignoreIndex && (uint)t >= (uint)cols)
                throw new ArgumentOutOfRangeException(nameof(targets),
                    $"{kernel}: target {t} at row {r} is out of range [0, {cols}) (ignore index {ignoreIndex}).");
        }
    }
}
