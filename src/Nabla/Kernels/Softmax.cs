namespace Nabla.Kernels;

/// <summary>
/// Softmax and log-softmax over the last axis of a row-major [rows, cols] block.
/// Backward kernels add into the input gradient (+=), as autograd accumulates.
/// Reference implementation: the fused SIMD kernels replace these bodies, keeping the signatures.
/// </summary>
public static class Softmax
{
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            float max = float.NegativeInfinity;
            for (int i = 0; i < cols; i++) max = MathF.Max(max, xr[i]);
            float sum = 0f;
            for (int i = 0; i < cols; i++) { yr[i] = MathF.Exp(xr[i] - max); sum += yr[i]; }
            float inv = 1f / sum;
            for (int i = 0; i < cols; i++) yr[i] *= inv;
        }
    }

    /// <summary>dx += y ⊙ (dy − Σ dy·y), per row; y is the forward output.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            float dot = 0f;
            for (int i = 0; i < cols; i++) dot += dy[o + i] * y[o + i];
            for (int i = 0; i < cols; i++) dx[o + i] += y[o + i] * (dy[o + i] - dot);
        }
    }

    public static void LogForward(ReadOnlySpan<float> x, Span<float> y, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            float max = float.NegativeInfinity;
            for (int i = 0; i < cols; i++) max = MathF.Max(max, xr[i]);
            float sum = 0f;
            for (int i = 0; i < cols; i++) sum += MathF.Exp(xr[i] - max);
            float logSum = max + MathF.Log(sum);
            for (int i = 0; i < cols; i++) yr[i] = xr[i] - logSum;
        }
    }

    /// <summary>dx += dy − exp(y) · Σ dy, per row; y is the forward output (log-probabilities).</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> dy, Span<float> dx, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            float sum = 0f;
            for (int i = 0; i < cols; i++) sum += dy[o + i];
            for (int i = 0; i < cols; i++) dx[o + i] += dy[o + i] - MathF.Exp(y[o + i]) * sum;
        }
    }
}
