using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// Recent chunks and their tokens. Text repeats itself ("the", " and", ",\n"), and a cached chunk costs one
/// look in a small table that stays in the CPU cache, where encoding it costs several looks in tables of
/// hundreds of thousands of entries. Direct-mapped (a new chunk simply replaces the old one in its slot),
/// for chunks of at most 16 bytes that encode to at most 4 tokens, inline; longer chunks (a CJK phrase is
/// one chunk) up to 256 bytes in a second table of small arrays. One cache per thread, so no locks.
/// </summary>
internal sealed class ChunkCache
{
    public const int MaxBytes = 16;
    public const int MaxTokens = 4;
    private const int SlotBits = 14;

    [StructLayout(LayoutKind.Sequential)]
    private struct Entry
    {
        public ulong Low, High;   // the chunk's bytes, zero-padded
        public int Length;        // 0 = empty
        public int Count;
        public int T0, T1, T2, T3;
    }

    private readonly Entry[] _entries = new Entry[1 << SlotBits];

    public const int MaxLongBytes = 256;
    private const int LongSlotBits = 12;
    private readonly (byte[] Chunk, int[] Tokens)?[] _long = new (byte[], int[])?[1 << LongSlotBits];

    private static int LongSlot(ReadOnlySpan<byte> chunk)
    {
        ulong h = (ulong)chunk.Length * 0x9E3779B97F4A7C15UL;
        int i = 0;
        for (; i + 8 <= chunk.Length; i += 8) h = (h ^ MemoryMarshal.Read<ulong>(chunk[i..])) * 0xFF51AFD7ED558CCDUL;
        for (; i < chunk.Length; i++) h = (h ^ chunk[i]) * 0x100000001B3UL;
        return (int)((h * 0x9E3779B97F4A7C15UL) >> (64 - LongSlotBits));
    }

    /// <summary>Appends the cached tokens of a long chunk (17 to 256 bytes) and returns true, or returns false.</summary>
    public bool TryAppendLong(ReadOnlySpan<byte> chunk, List<int> output)
    {
        if (_long[LongSlot(chunk)] is not { } entry || !entry.Chunk.AsSpan().SequenceEqual(chunk)) return false;
        output.AddRange(entry.Tokens);
        return true;
    }

    public void StoreLong(ReadOnlySpan<byte> chunk, ReadOnlySpan<int> tokens) => _long[LongSlot(chunk)] = (chunk.ToArray(), tokens.ToArray());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Key(ReadOnlySpan<byte> chunk, out ulong low, out ulong high)
    {
        Span<byte> padded = stackalloc byte[MaxBytes];
        padded.Clear();
        chunk.CopyTo(padded);
        low = MemoryMarshal.Read<ulong>(padded);
        high = MemoryMarshal.Read<ulong>(padded[8..]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Slot(ulong low, ulong high, int length) =>
        (int)(((low ^ (high * 0x9E3779B97F4A7C15UL) ^ (ulong)length) * 0xFF51AFD7ED558CCDUL) >> (64 - SlotBits));

    /// <summary>Appends the cached tokens of <paramref name="chunk"/> (≤ 16 bytes) and returns true, or returns false.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryAppend(ReadOnlySpan<byte> chunk, List<int> output)
    {
        Key(chunk, out ulong low, out ulong high);
        ref Entry e = ref _entries[Slot(low, high, chunk.Length)];
        if (e.Length != chunk.Length || e.Low != low || e.High != high) return false;
        output.Add(e.T0);
        if (e.Count > 1) output.Add(e.T1);
        if (e.Count > 2) output.Add(e.T2);
        if (e.Count > 3) output.Add(e.T3);
        return true;
    }

    /// <summary>Remembers the tokens of <paramref name="chunk"/> (≤ 16 bytes, 1 to 4 tokens).</summary>
    public void Store(ReadOnlySpan<byte> chunk, ReadOnlySpan<int> tokens)
    {
        if (tokens.Length is 0 or > MaxTokens) return;
        Key(chunk, out ulong low, out ulong high);
        ref Entry e = ref _entries[Slot(low, high, chunk.Length)];
        e.Low = low;
        e.High = high;
        e.Length = chunk.Length;
        e.Count = tokens.Length;
        e.T0 = tokens[0];
        e.T1 = tokens.Length > 1 ? tokens[1] : 0;
        e.T2 = tokens.Length > 2 ? tokens[2] : 0;
        e.T3 = tokens.Length > 3 ? tokens[3] : 0;
    }
}
