namespace Nabla.Kernels;

/// <summary>
/// Cross-entropy from logits with class-index targets, fused with softmax: the loss is computed from
/// log-sum-exp (stable for large logits) and the probabilities are kept for backward.
/// Rows whose target equals <c>ignoreIndex</c> contribute neither loss nor gradient; the mean is over
/// the remaining rows. Reference implementation: the fused SIMD kernel replaces these bodies.
/// </summary>
public static class CrossEntropy
{
    /// <summary>Returns the mean loss; writes softmax(logits) into <paramref name="probs"/> for backward.
    /// Targets must lie in [0, cols) or equal <paramref name="ignoreIndex"/> (callers validate).</summary>
    public static float Forward(ReadOnlySpan<float> logits, ReadOnlySpan<int> targets, Span<float> probs,
        int rows, int cols, int ignoreIndex)
    {
        double total = 0;
        int counted = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> x = logits.Slice(r * cols, cols);
            Span<float> p = probs.Slice(r * cols, cols);
            float max = float.NegativeInfinity;
            for (int i = 0; i < cols; i++) max = MathF.Max(max, x[i]);
            float sum = 0f;
            for (int i = 0; i < cols; i++) { p[i] = MathF.Exp(x[i] - max); sum += p[i]; }
            float inv = 1f / sum;
            for (int i = 0; i < cols; i++) p[i] *= inv;
            int t = targets[r];
            if (t == ignoreIndex) continue;
            total += max + MathF.Log(sum) - x[t];
            counted++;
        }
        return counted == 0 ? float.NaN : (float)(total / counted);
    }

    /// <summary>dlogits += (probs − onehot(target)) · gradLoss / counted, for rows not ignored.</summary>
    public static void Backward(ReadOnlySpan<float> probs, ReadOnlySpan<int> targets, float gradLoss, Span<float> dlogits,
        int rows, int cols, int ignoreIndex)
    {
        int counted = 0;
        for (int r = 0; r < rows; r++) if (targets[r] != ignoreIndex) counted++;
        if (counted == 0) return;
        float scale = gradLoss / counted;
        for (int r = 0; r < rows; r++)
        {
            int t = targets[r];
            if (t == ignoreIndex) continue;
            int o = r * cols;
            for (int i = 0; i < cols; i++) dlogits[o + i] += probs[o + i] * scale;
            dlogits[o + t] -= scale;
        }
    }
}
