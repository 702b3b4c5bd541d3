namespace Nabla.Data;

/// <summary>
/// CPython's <c>random</c> module, as far as the makemore lectures use it: <c>random.seed(n)</c> and
/// <c>random.shuffle(list)</c>. Reproducing it exactly gives the lectures' split of names.txt, so a learner's
/// numbers can be compared with the lecture's. The generator is the Mersenne Twister MT19937 (Matsumoto and
/// Nishimura 1998), seeded as CPython seeds it from an integer (init_by_array over the integer's 32-bit words);
/// shuffle is Fisher–Yates drawing each index with rejection sampling over <c>getrandbits</c>.
/// </summary>
public sealed class PythonRandom
{
    private const int N = 624, M = 397;
    private readonly uint[] state = new uint[N];
    private int index;

    /// <summary><c>random.seed(seed)</c> for a non-negative integer seed.</summary>
    public PythonRandom(ulong seed)
    {
        // CPython splits |seed| into 32-bit words, least significant first (one word for seeds below 2³²).
        uint[] key = seed >> 32 == 0 ? [(uint)seed] : [(uint)seed, (uint)(seed >> 32)];
        InitByArray(key);
    }

    private void InitGenrand(uint seed)
    {
        state[0] = seed;
        for (int i = 1; i < N; i++) state[i] = 1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + (uint)i;
        index = N;
    }

    private void InitByArray(uint[] key)
    {
        InitGenrand(19650218u);
        int i = 1, j = 0;
        for (int k = Math.Max(N, key.Length); k > 0; k--)
        {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1664525u)) + key[j] + (uint)j;
            i++; j++;
            if (i >= N) { state[0] = state[N - 1]; i = 1; }
            if (j >= key.Length) j = 0;
        }
        for (int k = N - 1; k > 0; k--)
        {
            state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1566083941u)) - (uint)i;
            i++;
            if (i >= N) { state[0] = state[N - 1]; i = 1; }
        }
        state[0] = 0x80000000u; // the most significant bit is 1: a non-zero initial state
    }

    /// <summary>The next 32 random bits (genrand_uint32).</summary>
    public uint NextUInt32()
    {
        if (index >= N) Twist();
        uint y = state[index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        return y ^ (y >> 18);
    }

    private void Twist()
    {
        for (int k = 0; k < N; k++)
        {
            uint y = (state[k] & 0x80000000u) | (state[(k + 1) % N] & 0x7fffffffu);
            state[k] = state[(k + M) % N] ^ (y >> 1) ^ ((y & 1) != 0 ? 0x9908b0dfu : 0u);
        }
        index = 0;
    }

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
