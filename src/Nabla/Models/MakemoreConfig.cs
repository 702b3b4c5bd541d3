namespace Nabla.Models;

/// <summary>
/// The sizes of a makemore model, as makemore.py's ModelConfig, with the lectures' names for the same things:
/// <see cref="NEmbd"/> is the embedding width (the lectures' n_embd), <see cref="NEmbd2"/> the hidden width
/// (n_hidden in the lectures, n_embd2 in makemore.py). Each model reads the fields it uses.
/// </summary>
public sealed record MakemoreConfig
{
    public int VocabularySize { get; init; } = 27;
    public int BlockSize { get; init; } = 3;
    public int NEmbd { get; init; } = 10;
    public int NEmbd2 { get; init; } = 200;
    public int NLayer { get; init; } = 4;
    public int NHead { get; init; } = 4;
    public float Dropout { get; init; }
}
