namespace Nabla.Kernels;

/// <summary>
/// Where the rows of each attention head lie in a buffer, so that <see cref="AttentionKernel"/> reads q, k
/// and v straight from the projection that made them and writes o where the next layer reads it, with no
/// copy either way. Head h is (b, n) = (h / HeadsPerBatch, h % HeadsPerBatch); its first row starts at
/// b · BatchStride + n · HeadStride and its rows are RowStride floats apart (each row holds the head size
/// contiguously).
/// </summary>
/// <remarks>
/// Two layouts matter. <see cref="Contiguous"/>: heads one after the other, [heads, rows, headSize], as a
/// (B, nh, T, hs) tensor. <see cref="Interleaved"/>: the heads of a position side by side, (B, T, nh · hs),
/// as a Linear layer's output; in GPT-2's c_attn output (B, T, 3C) q, k and v are three such layouts with
/// row stride 3C, starting at columns 0, C and 2C.
/// </remarks>
public readonly record struct AttentionLayout(int RowStride, long HeadStride, long BatchStride, int HeadsPerBatch)
{
    /// <summary>[heads, rows, headSize], row-major and contiguous.</summary>
    public static AttentionLayout Contiguous(int rows, int headSize) => new(headSize, 0, (long)rows * headSize, 1);

    /// <summary>(batch, rows, rowStride) with head n of a row at columns n · headSize … (n + 1) · headSize − 1.</summary>
    public static AttentionLayout Interleaved(int rows, int headsPerBatch, int headSize, int rowStride) =>
        new(rowStride, headSize, (long)rows * rowStride, headsPerBatch);

    /// <summary>Where head <paramref name="head"/>'s first row starts.</summary>
    public long Start(int head) => head / HeadsPerBatch * BatchStride + head % HeadsPerBatch * HeadStride;

    /// <summary>Floats a buffer needs for <paramref name="heads"/> heads of <paramref name="rows"/> rows: one past the last element read.</summary>
    public long Extent(int heads, int rows, int headSize) =>
        heads == 0 || rows == 0 ? 0 : Start(heads - 1) + (long)(rows - 1) * RowStride + headSize;
}
