using SkiaSharp;

namespace Nabla.Tests.Cli;

/// <summary>What a PNG holds, to tell a drawn picture from a blank or broken one: its size from the header,
/// and from the decoded pixels how many colours it uses and how much of it is its most common colour.</summary>
public sealed record PngCheck(int Width, int Height, int DistinctColours, double DominantFraction)
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static PngCheck Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        Assert.True(bytes.AsSpan().StartsWith(Signature), $"{path} does not start with the PNG signature");
        using SKBitmap bitmap = SKBitmap.Decode(bytes) ?? throw new Xunit.Sdk.XunitException($"{path} does not decode as an image");
        var counts = new Dictionary<uint, int>();
        foreach (SKColor pixel in bitmap.Pixels)
        {
            uint key = (uint)pixel;
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        return new PngCheck(bitmap.Width, bitmap.Height, counts.Count, counts.Values.Max() / (double)(bitmap.Width * bitmap.Height));
    }

    /// <summary>A drawn chart: anti-aliased lines and text give many colours, and the background leaves room for them.</summary>
    public void AssertDrawn(string what)
    {
        Assert.True(DistinctColours > 20, $"{what}: only {DistinctColours} colours, a blank or nearly blank picture");
        Assert.True(DominantFraction < 0.99, $"{what}: {DominantFraction:P1} of the pixels are one colour");
    }
}
