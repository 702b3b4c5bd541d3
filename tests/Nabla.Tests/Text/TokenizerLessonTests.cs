using Nabla.Tests.Support;

namespace Nabla.Tests.Text;

public class TokenizerLessonTests
{
    /// <summary>The lesson is a .NET 10 file-based app; it checks its own claims (hand BPE = trainer, rebuilt
    /// cl100k = cl100k, ...) and exits non-zero on a mismatch.</summary>
    [Fact]
    public async Task TokenizerLessonRunsAndExitsZero()
    {
        string output = await Lessons.RunToSuccessAsync("lessons/08-tokenizer.cs");
        Assert.Contains("every check passed", output);
        Assert.Contains("merge (256, 257) (seen 2x) -> 258:  [258, 100, 258, 97, 99]", output);
    }
}
