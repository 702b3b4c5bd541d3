using Nabla.Tests.Support;

namespace Nabla.Tests.Text;

public class TokenizerLessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own claims (hand BPE = trainer, rebuilt
    /// cl100k = cl100k, ...) and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task TokenizerLessonRunsAndExitsZero()
    {
        var result = await Lessons.RunAsync("lessons/08-tokenizer.cs", TimeSpan.FromMinutes(8));
        Assert.True(result.ExitCode == 0, $"exit code {result.ExitCode}\n{result.Stdout}\n{result.Stderr}");
        Assert.Contains("every check passed", result.Stdout);
        Assert.Contains("merge (256, 257) (seen 2x) -> 258:  [258, 100, 258, 97, 99]", result.Stdout);
    }
}
