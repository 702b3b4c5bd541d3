namespace Nabla.Data;

/// <summary>
/// CPython's <c>random</c> module, as far as the makemore lectures use it: <c>random.seed(n)</c> and
/// <c>random.shuffle(list)</c>. Reproducing it exactly gives the lectures' split of names.txt, so a learner's
/// numbers can be compared with the lecture's. The generator is the Mersenne Twister (<see cref="MersenneTwister"/>),
/// seeded as CPython seeds it from an integer (init_by_array over the integer's 32-bit words); shuffle is
/// Fisher–Yates drawing each index with rejection sampling over <c>getrandbits</c>.
/// </summary>
public sealed class PythonRandom
{
    private readonly MersenneTwister twister;

    /// <summary><c>random.seed(seed)</c> for a non-negative integer seed.</summary>
    public PythonRandom(ulong seed)
    {
        // CPython splits |seed| into 32-bit words, least significant first (one word for seeds below 2³²).
        twister = MersenneTwister.FromKey(seed >> 32 == 0 ? [(uint)seed] : [(uint)seed, (uint)(seed >> 32)]);
    }

    /// <summary>The next 32 random bits (genrand_uint32).</summary>
    public uint NextUInt32() => twister.NextUInt32();

    /// <summary><c>random.getrandbits(k)</c> for 1 ≤ k ≤ 32: the top k bits of one draw.</summary>
    public uint GetRandBits(int k)
    {
        if (k is < 1 or > 32) throw new ArgumentOutOfRangeException(nameof(k), k, "GetRandBits: k must be in [1, 32]");
        return NextUInt32() >> (32 - k);
    }

    /// <summary>A uniform integer in [0, n): as CPython's _randbelow, draws bit_length(n) bits until one is below n.</summary>
    public int RandBelow(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "RandBelow: n must be positive");
        int bits = 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)n);
        uint r = GetRandBits(bits);
        while (r >= n) r = GetRandBits(bits);
        return (int)r;
    }

    /// <summary><c>random.shuffle(items)</c>: in place, the same permutation CPython makes.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = RandBelow(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
