using Nabla.Data;
using Nabla.Tests.Support;
using TorchSharp;

namespace Nabla.Tests.Data;

/// <summary>
/// <see cref="MersenneTwister.TorchRandperm"/> against libtorch itself: <c>torch.manual_seed(s); torch.randperm(n)</c>.
/// makemore.py's test set is the last 1,000 names of that permutation, so matching it gives makemore's own split.
/// </summary>
public class TorchRandpermTests
{
    /// <summary>libtorch's permutation from a CPU generator of its own seeded with <paramref name="seed"/>, the state
    /// <c>torch.manual_seed(seed)</c> gives the global one (a private generator: other tests may draw concurrently).</summary>
    private static int[] Libtorch(int n, uint seed)
    {
        using var generator = new torch.Generator(seed);
        using var permutation = torch.randperm(n, generator: generator, dtype: torch.int64);
        return permutation.data<long>().Select(v => (int)v).ToArray();
    }

    [Theory]
    [InlineData(1, 0u)]
    [InlineData(2, 1u)]
    [InlineData(10, 42u)]
    [InlineData(700, 3407u)]            // more draws than one twist of the state (624)
    [InlineData(32_033, 3407u)]          // names.txt with makemore.py's default seed
    [InlineData(5_000, 4_000_000_000u)]
    public void MatchesLibtorch(int n, uint seed) => Assert.Equal(Libtorch(n, seed), MersenneTwister.TorchRandperm(n, seed));

    [Fact]
    public void TheTwistersFirstDrawsAreTheReferenceOnes()
    {
        // Matsumoto and Nishimura's mt19937ar.c test output for init_genrand(5489), the C++ std::mt19937 default.
        var twister = MersenneTwister.FromSeed(5489);
        Assert.Equal([3499211612u, 581869302u, 3890346734u], new[] { twister.NextUInt32(), twister.NextUInt32(), twister.NextUInt32() });
    }

    [SkippableFact]
    public void TheMakemoreSplitIsMakemoresOwn()
    {
        Words words = Words.Load(TestData.Require("names.txt"));
        int[] rp = Libtorch(words.Items.Count, 3407);
        WordSplits split = words.Split(WordSplit.Makemore, seed: 3407);
        Assert.Equal(rp[^1000..].Select(i => words.Items[i]), split.Test);
        Assert.Equal(rp[..^1000].Select(i => words.Items[i]), split.Train);
    }
}
