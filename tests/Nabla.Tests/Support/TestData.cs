using Nabla.Data;

namespace Nabla.Tests.Support;

/// <summary>
/// Finds a dataset for a test. In CI (CI=true) a missing dataset fails the test loudly; elsewhere the
/// test is skipped with a reason saying what to set. Use with [SkippableFact].
/// </summary>
public static class TestData
{
    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string Require(string name)
    {
        string? path = Datasets.TryFindLocal(name);
        if (path is not null) return path;
        Missing($"dataset '{name}' not found: set {Datasets.DataDirVariable} to a folder holding it (CI uses ../shared/data)");
        return null!; // unreachable: Missing throws
    }

    /// <summary>Something a test needs is not here: in CI that fails the test, elsewhere it skips it with the reason.</summary>
    public static void Missing(string reason)
    {
        if (InCi) throw new InvalidOperationException(reason);
        Skip.If(true, reason);
    }
}
