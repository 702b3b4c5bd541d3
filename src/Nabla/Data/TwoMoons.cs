namespace Nabla.Data;

/// <summary>
/// Two interleaved half circles, the toy dataset of micrograd's demo (scikit-learn's <c>make_moons</c>):
/// the upper moon is centred at (0, 0), the lower one at (1, 0.5) and opened downwards; each point gets
/// Gaussian noise. Labels are -1 (upper moon) and +1 (lower moon), ready for a max-margin loss.
/// </summary>
public sealed class TwoMoons
{
    /// <summary>Point i is (X[i], Y[i]) with label Labels[i] (-1 or +1).</summary>
    public double[] X { get; }
    public double[] Y { get; }
    public double[] Labels { get; }
    public int Count => Labels.Length;

    private TwoMoons(double[] x, double[] y, double[] labels)
    {
        X = x;
        Y = y;
        Labels = labels;
    }

    /// <summary>
    /// <paramref name="points"/> points, half on each moon (the upper one gets the smaller half), evenly
    /// spaced along each arc, each coordinate moved by N(0, <paramref name="noise"/>²), then shuffled.
    /// The same seed gives the same points.
    /// </summary>
    public static TwoMoons Generate(int points, double noise, int seed)
    {
        if (points < 2) throw new ArgumentOutOfRangeException(nameof(points), points, "TwoMoons: needs at least 2 points (one per moon)");
        if (!(noise >= 0)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "TwoMoons: noise must be >= 0");
        var random = new Random(seed);
        int upper = points / 2, lower = points - upper;
        var x = new double[points];
        var y = new double[points];
        var labels = new double[points];

        for (int i = 0; i < upper; i++)
        {
            double t = upper == 1 ? 0 : Math.PI * i / (upper - 1);
            (x[i], y[i], labels[i]) = (Math.Cos(t), Math.Sin(t), -1);
        }
        for (int i = 0; i < lower; i++)
        {
            double t = lower == 1 ? 0 : Math.PI * i / (lower - 1);
            (x[upper + i], y[upper + i], labels[upper + i]) = (1 - Math.Cos(t), 0.5 - Math.Sin(t), +1);
        }
        for (int i = 0; i < points; i++)
        {
            x[i] += noise * StandardNormal(random);
            y[i] += noise * StandardNormal(random);
        }
        // Fisher–Yates, so that the two moons are interleaved in the order too.
        for (int i = points - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (x[i], x[j]) = (x[j], x[i]);
            (y[i], y[j]) = (y[j], y[i]);
            (labels[i], labels[j]) = (labels[j], labels[i]);
        }
        return new TwoMoons(x, y, labels);
    }

    /// <summary>A draw from N(0, 1) by the Box–Muller transform (Box and Muller, 1958).</summary>
    private static double StandardNormal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(); // in (0, 1], so the log is finite
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
