namespace Nabla.Tensors;

/// <summary>
/// Reuses float buffers of exactly the same length between training steps, so the gradients of
/// intermediate tensors and the scratch space of backward rules stop allocating after the first
/// step. One pool per thread (no locks); a buffer returned on another thread simply joins that
/// thread's pool. The pool keeps at most <see cref="MaxPooledBytes"/> per thread: a quarter of the memory
/// the runtime may use, and at least 512 MiB. A training step hands back all its activations at once, so
/// the pool must hold a whole step's worth (gigabytes at nanoGPT's shakespeare-char size) or the next step
/// allocates the rest afresh: the runtime zeroes every new array, the pages fault in, and full collections
/// of the large-object heap follow, which cost more than the step's elementwise work.
/// </summary>
internal static class BufferPool
{
    public static readonly long MaxPooledBytes = Math.Max(512L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4);

    [ThreadStatic] private static Dictionary<int, Stack<float[]>>? free;
    [ThreadStatic] private static long pooledBytes;

    /// <summary>A buffer of exactly <paramref name="length"/> floats, all zero.</summary>
    public static float[] RentZeroed(int length)
    {
        float[] buffer = Rent(length);
        Array.Clear(buffer);
        return buffer;
    }

    /// <summary>A buffer of exactly <paramref name="length"/> floats with arbitrary contents.</summary>
    public static float[] Rent(int length)
    {
        if (length == 0) return [];
        if (free is not null && free.TryGetValue(length, out var stack) && stack.Count > 0)
        {
            pooledBytes -= 4L * length;
            return stack.Pop();
        }
        return new float[length];
    }

    /// <summary>Gives a buffer back. The caller must hold no other reference to it.</summary>
    public static void Return(float[] buffer)
    {
        if (buffer.Length == 0 || pooledBytes + 4L * buffer.Length > MaxPooledBytes) return;
        free ??= [];
        if (!free.TryGetValue(buffer.Length, out var stack)) free[buffer.Length] = stack = new Stack<float[]>();
        stack.Push(buffer);
        pooledBytes += 4L * buffer.Length;
    }
}
