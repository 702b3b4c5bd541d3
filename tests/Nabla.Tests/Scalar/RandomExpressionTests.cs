using CsCheck;
using Nabla.Scalar;

namespace Nabla.Tests.Scalar;

/// <summary>Random compositions of the smooth operations, each checked against finite differences: the
/// rules must also be right where values are shared and nested, not just one operation at a time.</summary>
public class RandomExpressionTests
{
    [Fact]
    public void RandomSmoothExpressionsMatchFiniteDifferences()
    {
        Gen.Select(Gen.Double[-2, 2], Gen.Double[-2, 2], Gen.Int[0, int.MaxValue])
            .Sample((a, b, seed) =>
            {
                var random = new Random(seed);
                Func<Value, Value, Value> f = Expression(random, depth: 4);
                GradientCheck.Binary(f, a, b, tolerance: 1e-5);
            }, iter: 300);
    }

    /// <summary>A random expression of x and y whose every operation is smooth and defined everywhere
    /// (divisors and logarithm arguments are kept ≥ 1, exponentials get a bounded argument).</summary>
    private static Func<Value, Value, Value> Expression(Random random, int depth)
    {
        if (depth == 0 || random.Next(4) == 0)
        {
            double constant = Math.Round(random.NextDouble() * 4 - 2, 2);
            return random.Next(3) switch
            {
                0 => (x, _) => x,
                1 => (_, y) => y,
                _ => (_, _) => new Value(constant),
            };
        }
        var left = Expression(random, depth - 1);
        var right = Expression(random, depth - 1);
        return random.Next(11) switch
        {
            0 => (x, y) => left(x, y) + right(x, y),
            1 => (x, y) => left(x, y) - right(x, y),
            2 => (x, y) => left(x, y) * right(x, y),
            3 => (x, y) => left(x, y) / (right(x, y).Pow(2) + 1),
            4 => (x, y) => -left(x, y),
            5 => (x, y) => left(x, y).Tanh(),
            6 => (x, y) => left(x, y).Sigmoid(),
            7 => (x, y) => left(x, y).Tanh().Exp(),
            8 => (x, y) => (left(x, y).Pow(2) + 1).Log(),
            9 => (x, y) => (left(x, y).Pow(2) + 1).Pow(-0.5),
            _ => (x, y) => left(x, y) * 2.0 + 1.0 - 0.5 / (1 + right(x, y).Pow(2)),
        };
    }
}
