using System.Runtime.InteropServices;

namespace Nabla.Kernels;

/// <summary>
/// The packing buffers of the blocked GEMM, one pair per thread, grown to the largest block ever asked
/// for and then reused: after the first call of a given size, a GEMM allocates nothing.
/// </summary>
/// <remarks>
/// Native, 64-byte aligned memory: the micro-kernels load packed B with aligned vector loads, and the GC
/// never moves or scans it. A buffer lives as long as its thread; the kernels' threads (the caller and
/// <see cref="ParallelFor"/>'s workers) are long-lived, so the footprint is bounded by
/// (threads + 1) · (one A block + two B panels, double-buffered), a few tens of MiB at most.
/// The B panel belongs to the thread that called the GEMM (workers only read it during that call);
/// each thread packs its own A blocks.
/// </remarks>
internal static unsafe class GemmBuffers
{
    [ThreadStatic] private static float* packedA;
    [ThreadStatic] private static long packedACapacity;
    [ThreadStatic] private static float* packedB;
    [ThreadStatic] private static long packedBCapacity;
    [ThreadStatic] private static int* counters;
    [ThreadStatic] private static long countersCapacity;

    /// <summary>This thread's buffer for packed blocks of A, at least <paramref name="floats"/> long.</summary>
    public static float* PackedA(long floats) => Ensure(ref packedA, ref packedACapacity, floats);

    /// <summary>This thread's buffer for packed panels of B, at least <paramref name="floats"/> long.</summary>
    public static float* PackedB(long floats) => Ensure(ref packedB, ref packedBCapacity, floats);

    /// <summary>Ints between counters that threads update at the same time: one cache line, so that one
    /// thread's increments do not evict the line another thread is polling.</summary>
    public const int CounterStride = 16;

    /// <summary>This thread's buffer of <paramref name="ints"/> counters for the threads of one GEMM call
    /// (64-byte aligned; the caller clears what it uses).</summary>
    public static int* Counters(int ints) => Ensure(ref counters, ref countersCapacity, ints);

    private static T* Ensure<T>(ref T* buffer, ref long capacity, long count) where T : unmanaged
    {
        if (count <= capacity) return buffer;
        if (buffer != null) NativeMemory.AlignedFree(buffer);
        buffer = null;
        capacity = 0;
        buffer = (T*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(T)), 64);
        capacity = count;
        return buffer;
    }
}
