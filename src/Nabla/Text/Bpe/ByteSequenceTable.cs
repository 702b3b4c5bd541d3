using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// A map from byte sequences (token texts) to token ids, with its keys in one byte pool: tiktoken looks a
/// whole chunk up here before it runs any merge, and so do we.
/// </summary>
internal sealed class ByteSequenceTable
{
    private readonly int[] _slots;      // token id + 1, 0 = empty
    private readonly uint[] _hashes;
    private readonly int _mask;
    private readonly byte[] _pool;
    private readonly int[] _offsets;    // by id: where its bytes start in the pool; -1 when the id has none
    private readonly int[] _lengths;

    public int MaxLength { get; }

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
        _lengths = new int[tokens.Count];
        int size = 16;
        while (size < count * 2) size <<= 1;
        _slots = new int[size];
        _hashes = new uint[size];
        _mask = size - 1;

        int offset = 0;
        for (int id = 0; id < tokens.Count; id++)
        {
            byte[]? token = tokens[id];
            if (token is null) { _offsets[id] = -1; continue; }
            token.CopyTo(_pool, offset);
            _offsets[id] = offset;
            _lengths[id] = token.Length;
            offset += token.Length;
            uint hash = Hash(token);
            int slot = (int)hash & _mask;
            while (_slots[slot] != 0)
            {
                if (_hashes[slot] == hash && Bytes(_slots[slot] - 1).SequenceEqual(token))
                    throw new ArgumentException($"token {id} has the same bytes as token {_slots[slot] - 1}");
                slot = (slot + 1) & _mask;
            }
            _slots[slot] = id + 1;
            _hashes[slot] = hash;
        }
    }

    private ReadOnlySpan<byte> Bytes(int id) => _pool.AsSpan(_offsets[id], _lengths[id]);

    /// <summary>The id whose bytes are <paramref name="bytes"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Find(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxLength) return -1;
        uint hash = Hash(bytes);
        for (int slot = (int)hash & _mask; ; slot = (slot + 1) & _mask)
        {
            int entry = _slots[slot];
            if (entry == 0) return -1;
            if (_hashes[slot] == hash)
            {
                int id = entry - 1;
                if (_lengths[id] == bytes.Length && _pool.AsSpan(_offsets[id], bytes.Length).SequenceEqual(bytes)) return id;
            }
        }
    }

    /// <summary>A fast multiplicative hash, eight bytes at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Hash(ReadOnlySpan<byte> bytes)
    {
        ulong h = (ulong)bytes.Length * 0x9E3779B97F4A7C15UL;
        ref byte start = ref MemoryMarshal.GetReference(bytes);
        int i = 0;
        for (; i + 8 <= bytes.Length; i += 8)
            h = (h ^ Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, i))) * 0xFF51AFD7ED558CCDUL;
        if (i < bytes.Length)
        {
            ulong tail = 0;
            for (int shift = 0; i < bytes.Length; i++, shift += 8) tail |= (ulong)Unsafe.Add(ref start, i) << shift;
            h = (h ^ tail) * 0xFF51AFD7ED558CCDUL;
        }
        return (uint)(h >> 32) ^ (uint)h;
    }
}
