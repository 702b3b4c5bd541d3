using System.Runtime.CompilerServices;

namespace Nabla.Text.Bpe;

/// <summary>
/// The merge table: (left token, right token) → the token they merge into. Its id is also its rank, the
/// order in which merges were learned, so a lower id merges first. This lookup is the inner loop of
/// encoding and a large vocabulary's table does not fit in cache, so each slot is one 64-bit word holding
/// left, right and merged id (21 bits each): one probe costs one memory access.
/// </summary>
internal sealed class PairTable
{
    /// <summary>Ids must be below 2^21 (2,097,152) to pack three of them in a slot.</summary>
    public const int MaxId = (1 << 21) - 1;

    private readonly ulong[] _slots;     // (left + 1) << 42 | right << 21 | merged; 0 = empty
    private readonly int _mask;

    public int Count { get; private set; }

    public PairTable(int capacity)
    {
        int size = 16;
        while (size < capacity * 2) size <<= 1;
        _slots = new ulong[size];
        _mask = size - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Pair(int left, int right) => (ulong)(left + 1) << 42 | (ulong)right << 21;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Slot(ulong pair) => (int)((pair * 0x9E3779B97F4A7C15UL) >> 40) & _mask;

    /// <summary>Adds a merge; false when the pair already has one.</summary>
    public bool TryAdd(int left, int right, int merged)
    {
        if ((uint)left > MaxId || (uint)right > MaxId || (uint)merged > MaxId)
            throw new ArgumentOutOfRangeException(nameof(merged), $"token ids must be below {MaxId + 1}: merge ({left}, {right}) -> {merged}");
        ulong pair = Pair(left, right);
        for (int slot = Slot(pair); ; slot = (slot + 1) & _mask)
        {
            ulong entry = _slots[slot];
            if (entry == 0)
            {
                if ((Count + 1) * 2 > _slots.Length) throw new InvalidOperationException("PairTable: capacity exceeded");
                _slots[slot] = pair | (uint)merged;
                Count++;
                return true;
            }
            if ((entry & ~(ulong)MaxId) == pair) return false;
        }
    }

    /// <summary>The token (left, right) merges into, or <see cref="int.MaxValue"/> when they do not merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Get(int left, int right)
    {
        ulong pair = Pair(left, right);
        ulong[] slots = _slots;
        for (int slot = Slot(pair); ; slot = (slot + 1) & _mask)
        {
            ulong entry = slots[slot];
            if ((entry & ~(ulong)MaxId) == pair) return (int)(entry & MaxId);
            if (entry == 0) return int.MaxValue;
        }
    }
}
