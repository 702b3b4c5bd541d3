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
/// (threads + 1) · (one A block + one B panel), a few MiB.
/// The B panel belongs to the thread that called the GEMM (workers only read it during that call);
/// each thread packs its own A blocks.
/// </remarks>
internal static unsafe class GemmBuffers
{
    [ThreadStatic] private static float* packedA;
    [ThreadStatic] private static long packedACapacity;
    [ThreadStatic] private static float* packedB;
    [ThreadStatic] private static long packedBCapacity;
    [ThreadStatic] private static int* workCounter;

    /// <summary>This thread's buffer for packed blocks of A, at least <paramref name="floats"/> long.</summary>
    public static float* PackedA(long floats) => Ensure(ref packedA, ref packedACapacity, floats);

    /// <summary>This thread's buffer for packed panels of B, at least <paramref name="floats"/> long.</summary>
    public static float* PackedB(long floats) => Ensure(ref packedB, ref packedBCapacity, floats);

    /// <summary>Distance in ints between the two counters of <see cref="WorkCounter"/>: one cache line.</summary>
    public const int CounterStride = 16;

    /// <summary>Two counters the threads of one GEMM call share (the next work unit, then, one cache line
    /// further, how many B̃ pack units are done), each on its own cache line.</summary>
    public static int* WorkCounter()
    {
        if (workCounter == null) workCounter = (int*)NativeMemory.AlignedAlloc(2 * CounterStride * sizeof(int), 64);
        return workCounter;
    }

    private static float* Ensure(ref float* buffer, ref long capacity, long floats)
    {
        if (floats <= capacity) return buffer;
        if (buffer != null) NativeMemory.AlignedFree(buffer);
        buffer = null;
        capacity = 0;
        buffer = (float*)NativeMemory.AlignedAlloc((nuint)(floats * sizeof(float)), 64);
        capacity = floats;
        return buffer;
    }
}
