using System.Globalization;
using System.Runtime.CompilerServices;

namespace Nabla.Tensors;

/// <summary>
/// A seedable pseudo-random generator: the only source of randomness in Nabla. The same seed gives
/// the same sequence on every machine and every .NET version (unlike System.Random, whose algorithm
/// is not a contract). Algorithm: xoshiro256** (Blackman and Vigna 2018), seeded by SplitMix64.
/// Normal draws use the Box–Muller transform. Not thread-safe: give each thread its own generator.
/// </summary>
public sealed class Generator
{
    private ulong s0, s1, s2, s3;
    private float? spareNormal;

    public Generator(ulong seed) => Reseed(seed);

    /// <summary>The generator used when an operation is given none; reseed it with <see cref="ManualSeed"/>.</summary>
    public static Generator Default { get; } = new(0x5EED);

    /// <summary>Reseeds <see cref="Default"/> (PyTorch's torch.manual_seed).</summary>
    public static void ManualSeed(ulong seed) => Default.Reseed(seed);

    public void Reseed(ulong seed)
    {
        ulong x = seed;
        s0 = SplitMix64(ref x);
        s1 = SplitMix64(ref x);
        s2 = SplitMix64(ref x);
        s3 = SplitMix64(ref x);
        spareNormal = null;
    }

    /// <summary>The whole state: saved in a checkpoint and set back, it continues the sequence exactly.</summary>
    public GeneratorState State
    {
        get => new(s0, s1, s2, s3, spareNormal);
        set
        {
            if ((value.S0 | value.S1 | value.S2 | value.S3) == 0)
                throw new ArgumentException("Generator: the all-zero state is not a xoshiro256** state");
            (s0, s1, s2, s3, spareNormal) = (value.S0, value.S1, value.S2, value.S3, value.SpareNormal);
        }
    }

    private static ulong SplitMix64(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>64 uniformly random bits.</summary>
    public ulong NextUInt64() => Step(ref s0, ref s1, ref s2, ref s3);

    /// <summary>One step of xoshiro256**: the output of state (a, b, c, d), which moves on to the next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Step(ref ulong a, ref ulong b, ref ulong c, ref ulong d)
    {
        ulong result = RotateLeft(b * 5, 7) * 9;
        ulong t = b << 17;
        c ^= a;
        d ^= b;
        b ^= c;
        a ^= d;
        c ^= t;
        d = RotateLeft(d, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform in [0, 1), with 24 random bits (every float32 step in that range).</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>
    /// Fills <paramref name="destination"/> with <see cref="NextFloat"/> draws in order: the same numbers as calling it
    /// once per element, but with the state in registers for the whole span rather than stored after every draw.
    /// </summary>
    public void NextFloats(Span<float> destination)
    {
        ulong a = s0, b = s1, c = s2, d = s3;
        for (int i = 0; i < destination.Length; i++)
            destination[i] = (Step(ref a, ref b, ref c, ref d) >> 40) * (1f / (1 << 24));
        (s0, s1, s2, s3) = (a, b, c, d);
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [low, high), without modulo bias (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int low, int high)
    {
        if (high <= low) throw new ArgumentException($"NextInt: empty range [{low}, {high})");
        ulong range = (ulong)((long)high - low); // at most 2^32
        ulong m = (NextUInt64() >> 32) * range;
        if ((uint)m < range)
        {
            // Reject the few low words that would make some results more likely than others.
            uint threshold = (uint)((0x1_0000_0000UL - range) % range);
            while ((uint)m < threshold) m = (NextUInt64() >> 32) * range;
        }
        return (int)(low + (long)(m >> 32));
    }

    /// <summary>Standard normal draw (mean 0, variance 1), Box–Muller in double precision.</summary>
    public float NextNormal()
    {
        if (spareNormal is float spare)
        {
            spareNormal = null;
            return spare;
        }
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        double radius = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = (float)(radius * Math.Sin(2 * Math.PI * u2));
        return (float)(radius * Math.Cos(2 * Math.PI * u2));
    }
}

/// <summary>
/// A <see cref="Generator"/>'s state: the four xoshiro words and the second normal of the last Box–Muller
/// pair, if it is still unused. Its text form (<see cref="ToString"/>, <see cref="Parse"/>) is what checkpoints store.
/// </summary>
public readonly record struct GeneratorState(ulong S0, ulong S1, ulong S2, ulong S3, float? SpareNormal)
{
    public override string ToString() =>
        $"{S0:x16}:{S1:x16}:{S2:x16}:{S3:x16}:{(SpareNormal is float f ? BitConverter.SingleToUInt32Bits(f).ToString("x8", CultureInfo.InvariantCulture) : "-")}";

    public static GeneratorState Parse(string text)
    {
        string[] parts = text.Split(':');
        if (parts.Length != 5 || !Word(parts[0], out ulong s0) || !Word(parts[1], out ulong s1) || !Word(parts[2], out ulong s2) || !Word(parts[3], out ulong s3))
            throw new FormatException($"GeneratorState: '{text}' is not five ':'-separated hexadecimal words");
        float? spare = null;
        if (parts[4] != "-")
        {
            if (!uint.TryParse(parts[4], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint bits))
                throw new FormatException($"GeneratorState: '{parts[4]}' is not a float's bits");
            spare = BitConverter.UInt32BitsToSingle(bits);
        }
        return new GeneratorState(s0, s1, s2, s3, spare);

        static bool Word(string s, out ulong value) => ulong.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
