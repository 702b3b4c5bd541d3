namespace Nabla.Data;

/// <summary>
/// MT19937, the Mersenne Twister (Matsumoto and Nishimura 1998): the generator under CPython's <c>random</c> and
/// PyTorch's CPU generator. Reproducing their draws exactly is what lets Nabla split a dataset the way a lecture
/// or a reference script did. The two differ only in seeding: PyTorch seeds with one 32-bit word
/// (<see cref="FromSeed"/>, the reference init_genrand), CPython with an array of words (<see cref="FromKey"/>,
/// init_by_array).
/// </summary>
public sealed class MersenneTwister
{
    private const int N = 624, M = 397;
    private readonly uint[] state = new uint[N];
    private int index;

    private MersenneTwister() { }

    /// <summary>init_genrand(seed): PyTorch's <c>torch.manual_seed(seed)</c> for seeds below 2³².</summary>
    public static MersenneTwister FromSeed(uint seed)
    {
        var twister = new MersenneTwister();
        twister.InitGenrand(seed);
        return twister;
    }

    /// <summary>init_by_array(key): CPython's <c>random.seed(n)</c> with n's 32-bit words, least significant first.</summary>
    public static MersenneTwister FromKey(uint[] key)
    {
        if (key.Length == 0) throw new ArgumentException("MersenneTwister: the key needs at least one word", nameof(key));
        var twister = new MersenneTwister();
        twister.InitGenrand(19650218u);
        uint[] state = twister.state;
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
        return twister;
    }

    private void InitGenrand(uint seed)
    {
        state[0] = seed;
        for (int i = 1; i < N; i++) state[i] = 1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + (uint)i;
        index = N;
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

    /// <summary>
    /// <c>torch.manual_seed(seed); torch.randperm(n)</c> on the CPU: the identity, then for i = 0 … n−2 a swap of
    /// element i with element i + (draw mod (n − i)), one 32-bit draw each (PyTorch's randperm_cpu for n below
    /// 2³²/20). makemore.py splits its words with this permutation.
    /// </summary>
    public static int[] TorchRandperm(int n, uint seed)
    {
        if (n < 0 || (long)n >= uint.MaxValue / 20) throw new ArgumentOutOfRangeException(nameof(n), n, "TorchRandperm: n must be in [0, 2³²/20)");
        var twister = FromSeed(seed);
        int[] permutation = new int[n];
        for (int i = 0; i < n; i++) permutation[i] = i;
        for (int i = 0; i < n - 1; i++)
        {
            int z = (int)(twister.NextUInt32() % (uint)(n - i));
            (permutation[i], permutation[z + i]) = (permutation[z + i], permutation[i]);
        }
        return permutation;
    }
}
