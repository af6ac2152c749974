/* Scope checkboxes, for asking (the request forms) and for narrowing (a review). */
import Checkbox from '@material-ui/core/Checkbox';
import FormControl from '@material-ui/core/FormControl';
import FormControlLabel from '@material-ui/core/FormControlLabel';
import FormGroup from '@material-ui/core/FormGroup';
import FormHelperText from '@material-ui/core/FormHelperText';
import FormLabel from '@material-ui/core/FormLabel';

export function ScopePicker(props: {
  label: string;
  options: string[];
  value: string[];
  onChange: (scopes: string[]) => void;
  helperText?: string;
}) {
  const { label, options, value, onChange, helperText } = props;
  const toggle = (scope: string) =>
    onChange(
      value.includes(scope)
        ? value.filter(s => s !== scope)
        : [...value, scope],
    );
  return (
    <FormControl component="fieldset" margin="normal">
      <FormLabel component="legend">{label}</FormLabel>
      <FormGroup row>
        {options.map(scope => (
          <FormControlLabel
            key={scope}
            label={scope}
            control={
              <Checkbox
                name={scope}
                checked={value.includes(scope)}
                onChange={() => toggle(scope)}
              />
            }
          />
        ))}
      </FormGroup>
      {helperText && <FormHelperText>{helperText}</FormHelperText>}
    </FormControl>
  );
}
