namespace Nabla.Kernels;

/// <summary>
/// Layer normalization over the last axis of a [rows, cols] block (Ba, Kiros, Hinton 2016):
/// y = (x − mean) · rstd · weight + bias. Forward saves mean and rstd per row for backward.
/// Backward adds into dx, dweight and dbias (+=). Reference implementation: the fused SIMD kernel
/// replaces these bodies, keeping the signatures.
/// </summary>
public static class LayerNorm
{
    public static void Forward(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, Span<float> mean, Span<float> rstd, int rows, int cols, float eps)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * cols, cols);
            Span<float> yr = y.Slice(r * cols, cols);
            float m = 0f;
            for (int i = 0; i < cols; i++) m += xr[i];
            m /= cols;
            float v = 0f;
            for (int i = 0; i < cols; i++) { float d = xr[i] - m; v += d * d; }
            v /= cols;
            float s = 1f / MathF.Sqrt(v + eps);
            for (int i = 0; i < cols; i++) yr[i] = (xr[i] - m) * s * weight[i] + bias[i];
            mean[r] = m;
            rstd[r] = s;
        }
    }

    public static void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> x, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd, Span<float> dx, Span<float> dweight, Span<float> dbias,
        int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            int o = r * cols;
            float m = mean[r], s = rstd[r];
            // dnorm = dy · weight; dx = s · (dnorm − mean(dnorm) − norm · mean(dnorm · norm))
            float meanDnorm = 0f, meanDnormNorm = 0f;
            for (int i = 0; i < cols; i++)
            {
                float norm = (x[o + i] - m) * s;
                float dnorm = dy[o + i] * weight[i];
                meanDnorm += dnorm;
                meanDnormNorm += dnorm * norm;
                dbias[i] += dy[o + i];
                dweight[i] += norm * dy[o + i];
            }
            meanDnorm /= cols;
            meanDnormNorm /= cols;
            for (int i = 0; i < cols; i++)
            {
                float norm = (x[o + i] - m) * s;
                float dnorm = dy[o + i] * weight[i];
                dx[o + i] += s * (dnorm - meanDnorm - norm * meanDnormNorm);
            }
        }
    }
}
