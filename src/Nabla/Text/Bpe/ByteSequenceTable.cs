using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// A map from byte sequences (token texts) to token ids: tiktoken looks a whole chunk up here before it runs
/// any merge, and so do we. Most chunks are short, so a slot holds up to 8 bytes inline (one memory access
/// decides); longer keys live in a byte pool.
/// </summary>
internal sealed class ByteSequenceTable
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Slot
    {
        public ulong Inline;   // the first (up to) 8 bytes, little-endian, zero-padded
        public int Id;         // token id + 1; 0 = empty
        public int Length;
    }

    private readonly Slot[] _slots;
    private readonly int _mask;
    private readonly byte[] _pool;       // all keys, for those longer than 8 bytes
    private readonly int[] _offsets;     // by id: where its bytes start in the pool

    public int MaxLength { get; }

    /// <summary>Two ids with the same bytes.</summary>
    public sealed class DuplicateException(int id, int existing) : ArgumentException($"token {id} has the same bytes as token {existing}")
    {
        public int Id { get; } = id;
        public int Existing { get; } = existing;
    }

    /// <summary>Builds the table from each id's bytes (null for ids that have none).</summary>
    public ByteSequenceTable(IReadOnlyList<byte[]?> tokens)
    {
        long total = 0;
        int count = 0, maxLength = 0;
        foreach (var token in tokens)
        {
            if (token is null) continue;
            total += token.Length;
            count++;
            maxLength = Math.Max(maxLength, token.Length);
        }
        MaxLength = maxLength;
        _pool = new byte[total];
        _offsets = new int[tokens.Count];
        int size = 16;
        while (size < count * 2) size <<= 1;
        _slots = new Slot[size];
        _mask = size - 1;

        int offset = 0;
        for (int id = 0; id < tokens.Count; id++)
        {
            byte[]? token = tokens[id];
            if (token is null) continue;
            if (token.Length == 0) throw new ArgumentException($"token {id} is empty");
            int existing = Find(token);
            if (existing >= 0) throw new DuplicateException(id, existing);
            token.CopyTo(_pool, offset);
            _offsets[id] = offset;
            offset += token.Length;
            int slot = (int)Hash(token) & _mask;
            while (_slots[slot].Id != 0) slot = (slot + 1) & _mask;
            _slots[slot] = new Slot { Inline = Head(token), Id = id + 1, Length = token.Length };
        }
    }

    /// <summary>The id whose bytes are <paramref name="bytes"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength) return -1;
        ulong head = Head(bytes);
        Slot[] slots = _slots;
        for (int slot = (int)Hash(bytes, head) & _mask; ; slot = (slot + 1) & _mask)
        {
            ref Slot s = ref slots[slot];
            if (s.Id == 0) return -1;
            if (s.Inline == head && s.Length == bytes.Length &&
                (bytes.Length <= 8 || _pool.AsSpan(_offsets[s.Id - 1] + 8, bytes.Length - 8).SequenceEqual(bytes[8..])))
                return s.Id - 1;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Head(ReadOnlySpan<byte> bytes)
    {
        ref byte start = ref MemoryMarshal.GetReference(bytes);
        if (bytes.Length >= 8) return Unsafe.ReadUnaligned<ulong>(ref start);
        ulong head = 0;
        for (int i = 0; i < bytes.Length; i++) head |= (ulong)Unsafe.Add(ref start, i) << (8 * i);
        return head;
    }

    private static uint Hash(ReadOnlySpan<byte> bytes) => Hash(bytes, Head(bytes));

    /// <summary>A fast multiplicative hash, eight bytes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> bytes, ulong head)
    {
        ulong h = (head ^ (ulong)bytes.Length * 0x9E3779B97F4A7C15UL) * 0xFF51AFD7ED558CCDUL;
        if (bytes.Length > 8)
        {
            ref byte start = ref MemoryMarshal.GetReference(bytes);
            int i = 8;
            for (; i + 8 <= bytes.Length; i += 8)
                h = (h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * 0xFF51AFD7ED558CCDUL;
            if (i < bytes.Length)
                h = (h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, bytes.Length - 8))) * 0xC4CEB9FE1A85EC53UL;
        }
        return (uint)(h >> 32) ^ (uint)h;
    }
}
