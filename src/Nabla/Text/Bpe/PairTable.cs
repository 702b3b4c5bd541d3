using System.Runtime.CompilerServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// The merge table: (left token, right token) → the token they merge into. Its id is also its rank, the
/// order in which merges were learned, so a lower id merges first. Open addressing over one 64-bit key,
/// because this lookup is the inner loop of encoding.
/// </summary>
internal sealed class PairTable
{
    private readonly ulong[] _keys;
    private readonly int[] _values;
    private readonly int _mask;

    public int Count { get; private set; }

    public PairTable(int capacity)
    {
        int size = 16;
        while (size < capacity * 2) size <<= 1;
        _keys = new ulong[size];
        _values = new int[size];
        _mask = size - 1;
    }

    // The key 0 would be the pair (0, 0) merging into token 0, which no table holds (a merged token is
    // never a single byte), so an all-zero slot is free.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Key(int left, int right) => ((ulong)(uint)left << 32 | (uint)right) + 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> 40) & _mask;

    /// <summary>Adds a merge; false when the pair already has one.</summary>
    public bool TryAdd(int left, int right, int merged)
    {
        ulong key = Key(left, right);
        for (int slot = Slot(key); ; slot = (slot + 1) & _mask)
        {
            if (_keys[slot] == key) return false;
            if (_keys[slot] == 0)
            {
                if ((Count + 1) * 2 > _keys.Length) throw new InvalidOperationException("PairTable: capacity exceeded");
                _keys[slot] = key;
                _values[slot] = merged;
                Count++;
                return true;
            }
        }
    }

    /// <summary>The token (left, right) merges into, or <see cref="int.MaxValue"/> when they do not merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Get(int left, int right)
    {
        ulong key = Key(left, right);
        ulong[] keys = _keys;
        for (int slot = Slot(key); ; slot = (slot + 1) & _mask)
        {
            ulong k = keys[slot];
            if (k == key) return _values[slot];
            if (k == 0) return int.MaxValue;
        }
    }
}
