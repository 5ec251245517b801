namespace Pipelines.Transforms.Graphs;

/// <summary>
/// A parser for the SMILES subset used by ZINC/ESOL-style files (OpenSMILES grammar): organic-subset and bracket atoms
/// (isotope, aromatic symbols, chirality, H count, charge, atom class), bonds <c>- = # $ : / \</c>, branches, ring
/// closures (<c>1</c>–<c>9</c> and <c>%nn</c>, with bond marks on either end) and disconnected parts (<c>.</c>).
/// </summary>
/// <remarks>
/// Implicit hydrogens are not added as nodes. Text after the first whitespace is ignored (a SMILES "name" field).
/// Errors are <see cref="GraphFormatException"/>s naming the source, line and 1-based column.
/// </remarks>
internal static class SmilesParser
{
    private static readonly HashSet<string> s_elements = new(StringComparer.Ordinal)
    {
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca",
        "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",
        "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce",
        "Pr", "Nd", "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir",
        "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
        "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr",
    };

    private static readonly HashSet<string> s_aromaticBracket = new(StringComparer.Ordinal) { "b", "c", "n", "o", "p", "s", "se", "as", "te" };

    /// <summary>Parses one SMILES string.</summary>
    /// <param name="smiles">The SMILES text.</param>
    /// <param name="source">The file or source named in errors.</param>
    /// <param name="line">The 1-based line named in errors.</param>
    /// <exception cref="GraphFormatException">The SMILES is malformed.</exception>
    public static Molecule Parse(string smiles, string source = "smiles", int line = 1)
    {
        ArgumentNullException.ThrowIfNull(smiles);
        var state = new State(smiles, source, line);
        return state.Run();
    }

    private sealed class State(string text, string source, int line)
    {
        private readonly List<Atom> _atoms = [];
        private readonly List<Bond> _bonds = [];
        private readonly Stack<int> _branches = new();
        private readonly Dictionary<int, (int Atom, BondOrder? Order, int Column)> _rings = [];
        private int _pos;
        private int _prev = -1;
        private BondOrder? _pending;
        private int _parts = 1;

        public Molecule Run()
        {
            string s = text;
            int end = 0;
            while (end < s.Length && !char.IsWhiteSpace(s[end]))
            {
                end++;
            }

            if (end == 0)
            {
                throw Error("empty SMILES.", 0);
            }

            while (_pos < end)
            {
                char c = s[_pos];
                switch (c)
                {
                    case '(':
                        if (_prev < 0)
                        {
                            throw Error("branch '(' with no atom before it.");
                        }

                        _branches.Push(_prev);
                        _pos++;
                        break;
                    case ')':
                        if (_branches.Count == 0)
                        {
                            throw Error("')' closes no branch.");
                        }

                        if (_pending is not null)
                        {
                            throw Error("bond symbol before ')'.");
                        }

                        _prev = _branches.Pop();
                        _pos++;
                        break;
                    case '.':
                        if (_pending is not null || _branches.Count > 0)
                        {
                            throw Error(_pending is not null ? "bond symbol before '.'." : "'.' inside an open branch.");
                        }

                        _prev = -1;
                        _parts++;
                        _pos++;
                        break;
                    case '-' or '/' or '\\' or '=' or '#' or '$' or ':':
                        if (_pending is not null)
                        {
                            throw Error($"two bond symbols in a row ('{c}').");
                        }

                        if (_prev < 0)
                        {
                            throw Error($"bond '{c}' with no atom before it.");
                        }

                        _pending = c switch
                        {
                            '=' => BondOrder.Double,
                            '#' => BondOrder.Triple,
                            '$' => BondOrder.Quadruple,
                            ':' => BondOrder.Aromatic,
                            _ => BondOrder.Single,
                        };
                        _pos++;
                        break;
                    case '%':
                        if (_pos + 2 >= end || !char.IsAsciiDigit(s[_pos + 1]) || !char.IsAsciiDigit(s[_pos + 2]))
                        {
                            throw Error("'%' ring number needs two digits.");
                        }

                        RingBond(((s[_pos + 1] - '0') * 10) + (s[_pos + 2] - '0'));
                        _pos += 3;
                        break;
                    case '[':
                        AddAtom(ParseBracket(end));
                        break;
                    default:
                        if (char.IsAsciiDigit(c))
                        {
                            RingBond(c - '0');
                            _pos++;
                        }
                        else
                        {
                            AddAtom(ParseOrganic(end));
                        }

                        break;
                }
            }

            if (_pending is not null)
            {
                throw Error("SMILES ends with a bond symbol.");
            }

            if (_branches.Count > 0)
            {
                throw Error($"{_branches.Count} unclosed branch(es) '('.");
            }

            if (_rings.Count > 0)
            {
                var open = _rings.OrderBy(r => r.Value.Column).First();
                throw Error($"ring bond {open.Key} is never closed.", open.Value.Column);
            }

            return new Molecule(text.Trim(), _atoms, _bonds) { PartCount = _parts };
        }

        private void RingBond(int number)
        {
            if (_prev < 0)
            {
                throw Error($"ring bond {number} with no atom before it.");
            }

            if (_rings.Remove(number, out var open))
            {
                if (open.Atom == _prev)
                {
                    throw Error($"ring bond {number} closes on the atom that opened it.");
                }

                if (open.Order is not null && _pending is not null && open.Order != _pending)
                {
                    throw Error($"ring bond {number} has conflicting bond symbols at its two ends.");
                }

                if (_bonds.Exists(b => (b.A == open.Atom && b.B == _prev) || (b.A == _prev && b.B == open.Atom)))
                {
                    throw Error($"ring bond {number} duplicates an existing bond.");
                }

                BondOrder order = _pending ?? open.Order ?? Implicit(open.Atom, _prev);
                _bonds.Add(new Bond(open.Atom, _prev, order));
            }
            else
            {
                _rings[number] = (_prev, _pending, _pos);
            }

            _pending = null;
        }

        private void AddAtom(Atom atom)
        {
            _atoms.Add(atom);
            int index = _atoms.Count - 1;
            if (_prev >= 0)
            {
                _bonds.Add(new Bond(_prev, index, _pending ?? Implicit(_prev, index)));
            }

            _pending = null;
            _prev = index;
        }

        private BondOrder Implicit(int a, int b) => _atoms[a].Aromatic && _atoms[b].Aromatic ? BondOrder.Aromatic : BondOrder.Single;

        private Atom ParseOrganic(int end)
        {
            string s = text;
            char c = s[_pos];
            if (c == 'C' && _pos + 1 < end && s[_pos + 1] == 'l')
            {
                _pos += 2;
                return new Atom("Cl", false, 0, null, "", 0);
            }

            if (c == 'B' && _pos + 1 < end && s[_pos + 1] == 'r')
            {
                _pos += 2;
                return new Atom("Br", false, 0, null, "", 0);
            }

            _pos++;
            return c switch
            {
                'B' or 'C' or 'N' or 'O' or 'P' or 'S' or 'F' or 'I' => new Atom(c.ToString(), false, 0, null, "", 0),
                'b' or 'c' or 'n' or 'o' or 'p' or 's' => new Atom(char.ToUpperInvariant(c).ToString(), true, 0, null, "", 0),
                '*' => new Atom("*", false, 0, null, "", 0),
                _ => throw Error($"unexpected character '{c}' (not an organic-subset atom, bond, branch or ring bond).", _pos - 1),
            };
        }

        private Atom ParseBracket(int end)
        {
            string s = text;
            int open = _pos;
            int close = s.IndexOf(']', _pos);
            if (close < 0 || close >= end)
            {
                throw Error("'[' is never closed.");
            }

            _pos++;
            int isotope = 0;
            while (_pos < close && char.IsAsciiDigit(s[_pos]))
            {
                isotope = (isotope * 10) + (s[_pos] - '0');
                _pos++;
            }

            string element;
            bool aromatic = false;
            if (_pos < close && s[_pos] == '*')
            {
                element = "*";
                _pos++;
            }
            else if (_pos < close && char.IsAsciiLetterLower(s[_pos]))
            {
                string two = _pos + 1 < close ? s.Substring(_pos, 2) : "";
                string sym = s_aromaticBracket.Contains(two) ? two : s.Substring(_pos, 1);
                if (!s_aromaticBracket.Contains(sym))
                {
                    throw Error($"'{sym}' is not an aromatic atom symbol.");
                }

                _pos += sym.Length;
                element = char.ToUpperInvariant(sym[0]) + sym[1..];
                aromatic = true;
            }
            else if (_pos < close && char.IsAsciiLetterUpper(s[_pos]))
            {
                string two = _pos + 1 < close && char.IsAsciiLetterLower(s[_pos + 1]) ? s.Substring(_pos, 2) : "";
                string sym = two.Length == 2 && s_elements.Contains(two) ? two : s.Substring(_pos, 1);
                if (!s_elements.Contains(sym))
                {
                    throw Error($"'{sym}' is not an element symbol.");
                }

                _pos += sym.Length;
                element = sym;
            }
            else
            {
                throw Error($"bracket atom '{s[open..(close + 1)]}' has no element symbol.");
            }

            string chirality = "";
            if (_pos < close && s[_pos] == '@')
            {
                int start = _pos++;
                if (_pos < close && s[_pos] == '@')
                {
                    _pos++;
                }
                else
                {
                    while (_pos < close && (char.IsAsciiLetterUpper(s[_pos]) || char.IsAsciiDigit(s[_pos])) && s[_pos] != 'H')
                    {
                        _pos++;
                    }
                }

                chirality = s[start.._pos];
            }

            int? hydrogens = 0;
            if (_pos < close && s[_pos] == 'H')
            {
                _pos++;
                int h = 1;
                if (_pos < close && char.IsAsciiDigit(s[_pos]))
                {
                    h = s[_pos] - '0';
                    _pos++;
                }

                hydrogens = h;
            }

            int charge = 0;
            if (_pos < close && (s[_pos] == '+' || s[_pos] == '-'))
            {
                char sign = s[_pos++];
                int magnitude = 1;
                if (_pos < close && char.IsAsciiDigit(s[_pos]))
                {
                    magnitude = 0;
                    while (_pos < close && char.IsAsciiDigit(s[_pos]))
                    {
                        magnitude = (magnitude * 10) + (s[_pos] - '0');
                        _pos++;
                    }
                }
                else
                {
                    while (_pos < close && s[_pos] == sign)
                    {
                        magnitude++;
                        _pos++;
                    }
                }

                charge = sign == '+' ? magnitude : -magnitude;
            }

            if (_pos < close && s[_pos] == ':')
            {
                _pos++;
                if (_pos >= close || !char.IsAsciiDigit(s[_pos]))
                {
                    throw Error("atom class ':' needs digits.");
                }

                while (_pos < close && char.IsAsciiDigit(s[_pos]))
                {
                    _pos++;
                }
            }

            if (_pos != close)
            {
                throw Error($"unexpected '{s[_pos]}' in bracket atom '{s[open..(close + 1)]}'.");
            }

            _pos = close + 1;
            return new Atom(element, aromatic, charge, hydrogens, chirality, isotope);
        }

        private GraphFormatException Error(string message, int? column = null) =>
            new(source, line, $"SMILES '{text.Trim()}': {message}", (column ?? _pos) + 1);
    }
}
