using Nabla.Data;
using Nabla.Tests.Support;

namespace Nabla.Tests.Data;

public class WordsTests
{
    [Fact]
    public void PythonRandomReproducesCPythonsStream()
    {
        // Values printed by CPython 3.11: random.Random(s).getrandbits(32) ... and shuffle.
        var r = new PythonRandom(42);
        Assert.Equal([2746317213u, 478163327u, 107420369u], new[] { r.NextUInt32(), r.NextUInt32(), r.NextUInt32() });
        var big = new PythonRandom((1UL << 40) + 5);   // a seed of two 32-bit words
        Assert.Equal([2166296868u, 2220160828u, 34u, 84u], new[] { big.GetRandBits(32), big.GetRandBits(32), big.GetRandBits(7), big.GetRandBits(7) });
        var items = Enumerable.Range(0, 10).ToList();
        new PythonRandom(0).Shuffle(items);
        Assert.Equal([7, 8, 1, 5, 3, 4, 2, 0, 9, 6], items);
    }

    [SkippableFact]
    public void TheLectureSplitIsTheLecturesOwn()
    {
        Words words = Words.Load(TestData.Require("names.txt"));
        Assert.Equal(32_033, words.Items.Count);
        Assert.Equal(27, words.VocabularySize);
        Assert.Equal(".abcdefghijklmnopqrstuvwxyz", words.Characters);
        Assert.Equal(15, words.MaxLength);

        WordSplits split = words.Split(WordSplit.Lecture);
        Assert.Equal(["yuheng", "diondre", "xavien"], split.Train.Take(3));
        Assert.Equal((25_626, 3_203, 3_204), (split.Train.Count, split.Val.Count, split.Test.Count));
        Assert.Equal(("amay", "mustafa", "yovani"), (split.Val[0], split.Test[0], split.Test[^1]));
        Assert.Equal(182_625, words.Contexts(split.Train, 3).X.Size(0));
        Assert.Equal(22_655, words.Contexts(split.Val, 3).X.Size(0));
        Assert.Equal(22_866, words.Contexts(split.Test, 3).Y.Count);
    }

    [SkippableFact]
    public void TheMakemoreSplitHoldsOutAThousandNames()
    {
        Words words = Words.Load(TestData.Require("names.txt"));
        WordSplits split = words.Split(WordSplit.Makemore, seed: 3407);
        Assert.Equal((31_033, 1_000), (split.Train.Count, split.Test.Count));
        Assert.Same(split.Val, split.Test);
        Assert.Equal(words.Items.Order(), split.Train.Concat(split.Test).Order());       // a permutation
        Assert.Equal(split.Test, words.Split(WordSplit.Makemore, seed: 3407).Test);      // seeded
        Assert.NotEqual(split.Test, words.Split(WordSplit.Makemore, seed: 1).Test);
    }

    [Fact]
    public void ContextsAndSequencesAreTheLecturesExamples()
    {
        var words = new Words(["emma", "ava"]);
        Assert.Equal(".aemv", words.Characters);
        var (x, y) = words.Contexts(["emma"], 3);
        // ... → e, ..e → m, .em → m, emm → a, mma → .
        Assert.Equal([0, 0, 0, 0, 0, 2, 0, 2, 3, 2, 3, 3, 3, 3, 1], x.ToIntArray());
        Assert.Equal([2, 3, 3, 1, 0], y.ToIntArray());

        var (sx, sy) = words.Sequences(["ava"], 5);
        Assert.Equal([0, 1, 4, 1, 0], sx.ToIntArray());
        Assert.Equal([1, 4, 1, 0, -1], sy.ToIntArray());
        Assert.Equal("ava", words.Decode([1, 4, 1, 0, 3]));
        Assert.Throws<ArgumentException>(() => words.Sequences(["ava"], 4));
    }

    [Fact]
    public void BadInputIsNamed()
    {
        Assert.Contains("no items", Assert.Throws<InvalidDataException>(() => new Words(["", "  "], "empty.txt")).Message);
        Assert.Contains("character 'z' (U+007A) is not in the vocabulary", Assert.Throws<ArgumentException>(() => new Words(["ab"]).Encode("az")).Message);
    }
}
