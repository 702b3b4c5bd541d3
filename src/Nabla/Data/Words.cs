using Nabla.Tensors;

namespace Nabla.Data;

/// <summary>Which way <see cref="Words.Split"/> divides the items.</summary>
public enum WordSplit
{
    /// <summary>makemore.py's: <c>torch.randperm</c> after <c>torch.manual_seed(seed)</c>, exactly; the last min(1000, 10 %) items for test (validation is the test set).</summary>
    Makemore,
    /// <summary>The lectures': <c>random.seed(42); random.shuffle(words)</c>, then 80 % train, 10 % dev, 10 % test.</summary>
    Lecture,
}

/// <summary>A split of the items: train, validation (the lectures' "dev") and test.</summary>
public sealed record WordSplits(IReadOnlyList<string> Train, IReadOnlyList<string> Val, IReadOnlyList<string> Test);

/// <summary>
/// A dataset of short items, one per line (names.txt's 32,033 names, or any such file), and its character
/// vocabulary: token 0 is the start/stop token (written '.' in the lectures), the characters that occur
/// follow in code-point order from 1. A model reads a name as ". e m m a ." and learns what comes next.
/// </summary>
public sealed class Words
{
    /// <summary>Largest file read (names.txt is 228 KB).</summary>
    public const long MaxFileBytes = 64L << 20;

    private readonly Dictionary<char, int> index;

    public IReadOnlyList<string> Items { get; }

    /// <summary>The characters of the vocabulary by token id; <c>Characters[0]</c> is '.', the start/stop token.</summary>
    public string Characters { get; }

    public int VocabularySize => Characters.Length;

    /// <summary>Length of the longest item (15 in names.txt).</summary>
    public int MaxLength { get; }

    public Words(IEnumerable<string> items, string source = "words")
    {
        Items = items.Select(w => w.Trim()).Where(w => w.Length > 0).ToList();
        if (Items.Count == 0) throw new InvalidDataException($"{source}: no items (expected one item per line)");
        var chars = Items.SelectMany(w => w).Distinct().Order().ToArray();
        Characters = "." + new string(chars);
        index = chars.Select((c, i) => (c, i + 1)).ToDictionary(p => p.c, p => p.Item2);
        MaxLength = Items.Max(w => w.Length);
    }

    /// <summary>Reads a UTF-8 file of one item per line.</summary>
    public static Words Load(string path)
    {
        byte[] bytes = InputFile.ReadBytes(path, MaxFileBytes, "dataset");
        string text = InputFile.DecodeUtf8(bytes, $"dataset '{path}'", replaceInvalid: false);
        return new Words(text.Split('\n'), path);
    }

    /// <summary>The token of a character; an error naming it when it is not in the vocabulary.</summary>
    public int Encode(char c) => index.TryGetValue(c, out int id) ? id
        : throw new ArgumentException($"character '{c}' (U+{(int)c:X4}) is not in the vocabulary of this dataset ({Characters[1..]})");

    public int[] Encode(string item) => item.Select(Encode).ToArray();

    public string Decode(IEnumerable<int> tokens) => new(tokens.TakeWhile(t => t != 0).Select(t => Characters[t]).ToArray());

    /// <summary>Divides the items for training and evaluation (see <see cref="WordSplit"/>).</summary>
    public WordSplits Split(WordSplit kind, ulong seed = 42)
    {
        var items = Items.ToList();
        int n = items.Count;
        if (kind == WordSplit.Lecture)
        {
            new PythonRandom(seed).Shuffle(items);
            int n1 = (int)(0.8 * n), n2 = (int)(0.9 * n);
            return new WordSplits(items[..n1], items[n1..n2], items[n2..]);
        }
        // torch.manual_seed(seed); rp = torch.randperm(n): PyTorch keeps the seed's low 32 bits for its generator.
        int[] rp = MersenneTwister.TorchRandperm(n, (uint)seed);
        int testSize = Math.Min(1000, n / 10);
        var test = rp[(n - testSize)..].Select(i => items[i]).ToList();
        return new WordSplits(rp[..(n - testSize)].Select(i => items[i]).ToList(), test, test);
    }

    /// <summary>
    /// The lectures' examples: for every character of every item and its stop token, the
    /// <paramref name="blockSize"/> tokens before it (0s before the start) as X [N, block] and the token as Y [N].
    /// </summary>
    public (Tensor X, Tensor Y) Contexts(IEnumerable<string> items, int blockSize)
    {
        if (blockSize < 1) throw new ArgumentException($"Contexts: block size must be ≥ 1, got {blockSize}");
        var xs = new List<int>();
        var ys = new List<int>();
        var context = new int[blockSize];
        foreach (string item in items)
        {
            Array.Clear(context);
            foreach (int token in Encode(item).Append(0))
            {
                xs.AddRange(context);
                ys.Add(token);
                Array.Copy(context, 1, context, 0, blockSize - 1);
                context[^1] = token;
            }
        }
        return (Tensor.FromArray(xs.ToArray(), ys.Count, blockSize), Tensor.FromArray(ys.ToArray()));
    }

    /// <summary>
    /// makemore.py's examples: each item as X = [0, c₁, …, c_L, 0, …] and Y = [c₁, …, c_L, 0, −1, …] of length
    /// <paramref name="blockSize"/> (at least MaxLength + 1), where −1 marks positions that carry no loss.
    /// </summary>
    public (Tensor X, Tensor Y) Sequences(IReadOnlyList<string> items, int blockSize)
    {
        if (blockSize < MaxLength + 1)
            throw new ArgumentException($"Sequences: block size {blockSize} is shorter than the longest item plus its stop token ({MaxLength + 1})");
        var x = new int[items.Count * blockSize];
        var y = new int[items.Count * blockSize];
        Array.Fill(y, -1);
        for (int i = 0; i < items.Count; i++)
        {
            int[] tokens = Encode(items[i]);
            int row = i * blockSize;
            tokens.CopyTo(x, row + 1);
            tokens.CopyTo(y, row);
            y[row + tokens.Length] = 0;
        }
        return (Tensor.FromArray(x, items.Count, blockSize), Tensor.FromArray(y, items.Count, blockSize));
    }
}
